#!/usr/bin/env bash
# Prepares the raftsql image's file tree from what this machine has (no registry needed): the release binary,
# the shared libraries it links (glibc resolves host names itself since 2.34, so no NSS modules are needed
# beyond /etc/nsswitch.conf), and an empty /tmp. `docker compose up -d --build` then builds the image.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
bin="${CARGO_TARGET_DIR:-target}/release/raftsql"
root=target/docker/rootfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/data"
chmod 1777 "$root/tmp"
cp "$bin" "$root/bin/raftsql"
for lib in $(ldd "$bin" | grep -o '/[^ ]*' | sort -u); do
  cp --parents -L "$lib" "$root"
done
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf 'root:x:0:0:root:/:/bin/raftsql\n' > "$root/etc/passwd"
# The cluster secret the compose file hands every node (created once, kept out of the image).
secret=target/docker/cluster-secret
if [ ! -s "$secret" ]; then
  (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$secret")
fi
echo "image tree ready in $root ($(du -sh "$root" | cut -f1)); now: docker compose up -d --build (or docker-compose up -d --build)"
