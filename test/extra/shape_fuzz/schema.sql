-- Base tables, seed data and registry of the shape fuzz test (shape_fuzz.sh).
-- Some references have foreign keys (ON DELETE CASCADE / SET NULL, ON UPDATE
-- CASCADE), some are plain columns that may dangle; several are nullable.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_tviews;

CREATE TABLE companies (
    id      int PRIMARY KEY,
    name    text NOT NULL,
    country text,
    budget  numeric(12,2),
    meta    jsonb
);
CREATE SEQUENCE companies_id_seq START 100;

CREATE TABLE users (
    id         serial PRIMARY KEY,
    company_id int REFERENCES companies ON DELETE SET NULL ON UPDATE CASCADE,
    manager_id int REFERENCES users ON DELETE SET NULL ON UPDATE CASCADE,
    name       text NOT NULL,
    score      int NOT NULL DEFAULT 0,
    active     boolean NOT NULL DEFAULT true
);

-- parent_id: a self reference without a foreign key
CREATE TABLE categories (
    id        serial PRIMARY KEY,
    parent_id int,
    name      text NOT NULL
);

-- category_id: nullable, no foreign key
CREATE TABLE posts (
    id          serial PRIMARY KEY,
    user_id     int NOT NULL REFERENCES users ON DELETE CASCADE ON UPDATE CASCADE,
    category_id int,
    title       text NOT NULL,
    views       int NOT NULL DEFAULT 0,
    published   boolean,
    price       numeric(8,2),
    extra       jsonb
);

-- user_id: nullable, no foreign key
CREATE TABLE comments (
    id      serial PRIMARY KEY,
    post_id int NOT NULL REFERENCES posts ON DELETE CASCADE ON UPDATE CASCADE,
    user_id int,
    body    text NOT NULL,
    rating  int
);

CREATE TABLE tags (
    id   serial PRIMARY KEY,
    name text NOT NULL
);

-- tag_id: no foreign key
CREATE TABLE post_tags (
    post_id int NOT NULL REFERENCES posts ON DELETE CASCADE ON UPDATE CASCADE,
    tag_id  int NOT NULL,
    PRIMARY KEY (post_id, tag_id)
);

CREATE INDEX ON users (company_id);
CREATE INDEX ON users (manager_id);
CREATE INDEX ON categories (parent_id);
CREATE INDEX ON posts (user_id);
CREATE INDEX ON posts (category_id);
CREATE INDEX ON comments (post_id);
CREATE INDEX ON comments (user_id);
CREATE INDEX ON post_tags (tag_id);

SELECT setseed(0.2718);
INSERT INTO companies
SELECT g, 'company ' || g, CASE WHEN g % 5 = 0 THEN NULL ELSE (ARRAY['FR','DE','US','XX'])[1 + g % 4] END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE round((random() * 10000)::numeric, 2) END,
       CASE WHEN g % 3 = 0 THEN NULL ELSE jsonb_build_object('tier', g % 3, 'tags', jsonb_build_array('a', g)) END
FROM generate_series(1, 8) g;
INSERT INTO users (company_id, name, score, active)
SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % 8 END, 'user ' || g, (random() * 100)::int, g % 5 <> 0
FROM generate_series(1, 30) g;
UPDATE users SET manager_id = 1 + (id * 3) % 10 WHERE id > 8;
INSERT INTO categories (name) SELECT 'cat ' || g FROM generate_series(1, 8) g;
UPDATE categories SET parent_id = 1 WHERE id IN (2, 3);
UPDATE categories SET parent_id = 2 WHERE id IN (4, 5);
UPDATE categories SET parent_id = 42 WHERE id = 6;
INSERT INTO posts (user_id, category_id, title, views, published, price, extra)
SELECT 1 + (random() * 29)::int, CASE WHEN g % 9 = 0 THEN NULL WHEN g % 13 = 0 THEN 77 ELSE 1 + g % 8 END,
       'post ' || g, (random() * 50)::int, CASE WHEN g % 11 = 0 THEN NULL ELSE random() < 0.6 END,
       CASE WHEN g % 6 = 0 THEN NULL ELSE round((random() * 100)::numeric, 2) END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('k', g % 5, 'flag', g % 2 = 0) END
FROM generate_series(1, 60) g;
INSERT INTO comments (post_id, user_id, body, rating)
SELECT 1 + (random() * 59)::int, CASE WHEN g % 10 = 0 THEN NULL ELSE 1 + (random() * 31)::int END,
       'comment ' || g, CASE WHEN g % 11 = 0 THEN NULL ELSE (random() * 5)::int END
FROM generate_series(1, 150) g;
INSERT INTO tags (name) SELECT 'tag ' || g FROM generate_series(1, 10) g;
INSERT INTO post_tags
SELECT DISTINCT 1 + (random() * 59)::int, 1 + (random() * 11)::int FROM generate_series(1, 100)
ON CONFLICT DO NOTHING;
ANALYZE;

-- the generated TVIEWs (shape_fuzz/run.py fills it; named as in ../consistency so that its
-- cons_make_checkers can be reused)
CREATE TABLE cons_tviews (
    ord        int PRIMARY KEY,
    entity     text NOT NULL UNIQUE,
    shape      text NOT NULL,
    definition text NOT NULL,
    created    boolean NOT NULL DEFAULT false
);

-- a plain view: reading it must be refused (no triggers on views)
CREATE VIEW fz_plain_view AS SELECT id, name FROM tags;

-- a partitioned table and an inheritance pair: reading any of them must be
-- refused (docs/limits.md); the driver writes them through the parent and
-- straight to a partition or child
CREATE TABLE events (
    id      int NOT NULL,
    post_id int,
    kind    text NOT NULL,
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);
CREATE TABLE events_low PARTITION OF events FOR VALUES FROM (MINVALUE) TO (1000);
CREATE TABLE events_high PARTITION OF events FOR VALUES FROM (1000) TO (MAXVALUE);
INSERT INTO events SELECT g, 1 + g % 60, (ARRAY['view', 'like'])[1 + g % 2] FROM generate_series(1, 40) g;
CREATE TABLE notes (id int PRIMARY KEY, post_id int, body text);
CREATE TABLE notes_archive () INHERITS (notes);
INSERT INTO notes SELECT g, 1 + g % 60, 'note ' || g FROM generate_series(1, 20) g;
INSERT INTO notes_archive SELECT g, 1 + g % 60, 'old note ' || g FROM generate_series(21, 30) g;
