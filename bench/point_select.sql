\set id random(1, 1000)
SELECT balance FROM bench_accounts WHERE id = :id;
