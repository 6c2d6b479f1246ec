\set from random(1, 1000)
\set to random(1, 1000)
\set amount random(1, 10)
BEGIN;
UPDATE bench_accounts SET balance = balance - :amount WHERE id = :from;
UPDATE bench_accounts SET balance = balance + :amount WHERE id = :to;
INSERT INTO bench_events (account, amount) VALUES (:from, :amount);
COMMIT;
