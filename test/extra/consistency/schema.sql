-- Base tables and seed data for the randomized consistency test.
-- Loaded into a fresh database; deterministic (setseed) so runs are reproducible.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_tviews;

CREATE TABLE companies (
    id      int PRIMARY KEY,
    name    text NOT NULL,
    country text NOT NULL
);
CREATE SEQUENCE companies_id_seq START 100;

CREATE TABLE users (
    id         serial PRIMARY KEY,
    company_id int REFERENCES companies ON DELETE SET NULL,
    manager_id int REFERENCES users ON DELETE SET NULL ON UPDATE CASCADE,
    name       text NOT NULL,
    email      text,
    score      int NOT NULL DEFAULT 0,
    active     boolean NOT NULL DEFAULT true
);

CREATE TABLE categories (
    id        serial PRIMARY KEY,
    parent_id int REFERENCES categories ON DELETE SET NULL ON UPDATE CASCADE,
    name      text NOT NULL
);

CREATE TABLE posts (
    id          serial PRIMARY KEY,
    user_id     int NOT NULL REFERENCES users ON DELETE CASCADE ON UPDATE CASCADE,
    category_id int REFERENCES categories ON DELETE SET NULL,
    title       text NOT NULL,
    views       int NOT NULL DEFAULT 0,
    published   boolean NOT NULL DEFAULT false
);

CREATE TABLE comments (
    id      serial PRIMARY KEY,
    post_id int NOT NULL REFERENCES posts ON DELETE CASCADE ON UPDATE CASCADE,
    user_id int NOT NULL REFERENCES users ON DELETE CASCADE ON UPDATE CASCADE,
    body    text NOT NULL,
    rating  int
);

CREATE TABLE tags (
    id   serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE post_tags (
    post_id int NOT NULL REFERENCES posts ON DELETE CASCADE ON UPDATE CASCADE,
    tag_id  int NOT NULL REFERENCES tags ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);

-- score bands for the non-equi join; the exclusion constraint keeps them disjoint
CREATE TABLE levels (
    id    serial PRIMARY KEY,
    band  int4range NOT NULL,
    label text NOT NULL,
    EXCLUDE USING gist (band WITH &&)
);

-- archived posts: second source of the UNION ALL TVIEW
CREATE TABLE archived_posts (
    id      serial PRIMARY KEY,
    user_id int REFERENCES users ON DELETE CASCADE ON UPDATE CASCADE,
    title   text NOT NULL
);

-- indexes on the foreign keys, as a real schema would have
CREATE INDEX ON users (company_id);
CREATE INDEX ON users (manager_id);
CREATE INDEX ON posts (user_id);
CREATE INDEX ON posts (category_id);
CREATE INDEX ON comments (post_id);
CREATE INDEX ON comments (user_id);
CREATE INDEX ON post_tags (tag_id);
CREATE INDEX ON archived_posts (user_id);

SELECT setseed(0.4242);
INSERT INTO companies
SELECT g, 'company ' || g, (ARRAY['FR','DE','US','XX'])[1 + g % 4] FROM generate_series(1, 6) g;
INSERT INTO users (company_id, name, email, score, active)
SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % 6 END, 'user ' || g, 'u' || g || '@x.org',
       (random() * 100)::int, g % 5 <> 0
FROM generate_series(1, 30) g;
UPDATE users SET manager_id = 1 + (id * 3) % 10 WHERE id > 10;
INSERT INTO categories (name) SELECT 'cat ' || g FROM generate_series(1, 6) g;
UPDATE categories SET parent_id = 1 WHERE id IN (2, 3);
UPDATE categories SET parent_id = 2 WHERE id = 4;
INSERT INTO posts (user_id, category_id, title, views, published)
SELECT 1 + (random() * 29)::int, CASE WHEN g % 9 = 0 THEN NULL ELSE 1 + g % 6 END,
       'post ' || g, (random() * 50)::int, random() < 0.6
FROM generate_series(1, 60) g;
INSERT INTO comments (post_id, user_id, body, rating)
SELECT 1 + (random() * 59)::int, 1 + (random() * 29)::int, 'comment ' || g,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (random() * 5)::int END
FROM generate_series(1, 150) g;
INSERT INTO tags (name) SELECT 'tag ' || g FROM generate_series(1, 10) g;
INSERT INTO post_tags
SELECT DISTINCT 1 + (random() * 59)::int, 1 + (random() * 9)::int FROM generate_series(1, 100)
ON CONFLICT DO NOTHING;
INSERT INTO levels (band, label) VALUES
    (int4range(0, 20), 'bronze'), (int4range(20, 50), 'silver'),
    (int4range(50, 80), 'gold'), (int4range(80, 1000), 'platinum');
INSERT INTO archived_posts (user_id, title)
SELECT 1 + (random() * 29)::int, 'old post ' || g FROM generate_series(1, 20) g;

-- the registry of TVIEWs under test; tviews.sql fills it, consistency.sh creates them
CREATE TABLE cons_tviews (
    ord        int PRIMARY KEY,
    entity     text NOT NULL UNIQUE,
    shape      text NOT NULL,
    definition text NOT NULL,
    created    boolean NOT NULL DEFAULT false
);
