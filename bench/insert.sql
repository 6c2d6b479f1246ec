\set account random(1, 1000)
\set amount random(-100, 100)
INSERT INTO bench_events (account, amount) VALUES (:account, :amount);
