-- user_post_writes: the write battery shared by the shape tests over the
-- company/user/post fixture; after each statement it runs :check, and at
-- two points :show, both set by the including file.
-- INSERT a child row
INSERT INTO tb_post VALUES (6, 2, 'bob second', 8);
:check;
-- INSERT a parent row
INSERT INTO tb_user VALUES (5, 2, 'erin', 'erin@example.com');
:check;
-- multi-row INSERT
INSERT INTO tb_post SELECT 100 + g, 1 + g % 5, 'bulk ' || g, g FROM generate_series(1, 6) g;
:check;
-- UPDATE a parent's plain column
UPDATE tb_user SET name = 'Alice' WHERE id = 1;
:check;
-- UPDATE a child's plain column
UPDATE tb_post SET score = score + 10, title = 'hello!' WHERE id = 1;
:check;
-- UPDATE a foreign key: the post moves to another user
UPDATE tb_post SET fk_user = 3 WHERE id = 2;
:check;
-- UPDATE a foreign key: the user moves to another company, and one to no company
UPDATE tb_user SET fk_company = 2 WHERE id = 2;
:check;
UPDATE tb_user SET fk_company = NULL WHERE id = 5;
:check;
-- UPDATE a parent's key: carol becomes 30 (her posts are orphaned), then the posts follow
UPDATE tb_user SET id = 30 WHERE id = 3;
:check;
UPDATE tb_post SET fk_user = 30 WHERE fk_user = 3;
:check;
-- UPDATE a child's key
UPDATE tb_post SET id = 1000 WHERE id = 1;
:check;
-- UPDATE the grandparent
UPDATE tb_company SET name = 'Acme Corp' WHERE id = 1;
:check;
-- UPDATE the grandparent's key
UPDATE tb_company SET id = 20 WHERE id = 2;
:check;
UPDATE tb_company SET id = 2 WHERE id = 20;
:check;
:show
-- DELETE a child
DELETE FROM tb_post WHERE id = 3;
:check;
-- DELETE a parent that has children
DELETE FROM tb_user WHERE id = 2;
:check;
-- INSERT ... ON CONFLICT DO UPDATE: one conflicting parent, one new
INSERT INTO tb_user VALUES (1, 1, 'alice again', NULL), (6, 3, 'frank', NULL)
ON CONFLICT (id) DO UPDATE SET name = excluded.name;
:check;
-- INSERT ... ON CONFLICT DO NOTHING on the child
INSERT INTO tb_post VALUES (4, 1, 'ignored', 0), (7, 6, 'frank post', 2)
ON CONFLICT DO NOTHING;
:check;
-- MERGE: update, delete and insert children in one statement
MERGE INTO tb_post t
USING (VALUES (4, 30, 'carol one (edited)', 11), (5, NULL, NULL, NULL), (8, 6, 'frank again', 6))
      AS s(id, fk_user, title, score)
ON t.id = s.id
WHEN MATCHED AND s.title IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET title = s.title, score = s.score, fk_user = s.fk_user
WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.fk_user, s.title, s.score);
:check;
-- MERGE on the parent
MERGE INTO tb_user t
USING (VALUES (6, 'Frank'), (9, 'ivan')) AS s(id, name)
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET name = s.name
WHEN NOT MATCHED THEN INSERT (id, fk_company, name) VALUES (s.id, 3, s.name);
:check;
-- COPY FROM STDIN
COPY tb_post (id, fk_user, title, score) FROM STDIN;
9	9	ivan post	4
10	9	ivan post 2	12
11	4	dave post	0
\.
:check;
COPY tb_user (id, fk_company, name) FROM STDIN;
10	1	judy
\.
:check;
-- writable CTEs: a parent and its child in one statement
WITH u AS (INSERT INTO tb_user VALUES (7, 1, 'gina', NULL) RETURNING id)
INSERT INTO tb_post SELECT 200, id, 'gina post', 4 FROM u;
:check;
WITH d AS (DELETE FROM tb_post WHERE fk_user = 9 RETURNING id)
UPDATE tb_user SET name = 'ivan (' || (SELECT count(*) FROM d) || ' deleted)' WHERE id = 9;
:check;
WITH moved AS (UPDATE tb_post SET fk_user = 7 WHERE fk_user = 4 RETURNING id)
UPDATE tb_company SET name = 'Initech (' || (SELECT count(*) FROM moved) || ')' WHERE id = 3;
:check;
:show
-- UPDATE of every child row
UPDATE tb_post SET score = score * 2;
:check;
-- UPDATE of every parent row
UPDATE tb_user SET email = coalesce(email, name || '@example.org');
:check;
-- writes rolled back
BEGIN;
DELETE FROM tb_post WHERE id > 100;
UPDATE tb_user SET name = upper(name);
:check;
ROLLBACK;
:check;
-- TRUNCATE the child, refill it
TRUNCATE tb_post;
:check;
INSERT INTO tb_post SELECT g, 1 + g % 7, 'p' || g, g FROM generate_series(1, 12) g;
:check;
-- TRUNCATE parent and child together, refill
TRUNCATE tb_user, tb_post;
:check;
INSERT INTO tb_user VALUES (1, 1, 'alice', NULL), (2, 2, 'bob', NULL);
INSERT INTO tb_post VALUES (1, 1, 'first', 1), (2, 2, 'second', 2), (3, 1, 'third', 3);
:check;
-- DELETE every grandparent
DELETE FROM tb_company;
:check;
