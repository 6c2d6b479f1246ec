# raftsql image, built without any registry: scripts/docker-build.sh puts the release binary and the shared
# libraries it links (from this machine) into target/docker/rootfs, and the image is that tree on scratch.
FROM scratch
COPY target/docker/rootfs/ /
ENV RAFTSQL_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 5432 7001 8080
ENTRYPOINT ["/bin/raftsql"]
