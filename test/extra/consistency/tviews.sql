-- One TVIEW per query shape of SPEC 3.4.  consistency.sh runs
-- "CREATE TABLE tv_<entity> AS <definition>" for each, in ord order.
INSERT INTO cons_tviews (ord, entity, shape, definition) VALUES
(1, 'company', 'single table', $q$
SELECT c.id AS pk_company, c.name, c.country
FROM companies c
$q$),
(2, 'user_company', 'inner join', $q$
SELECT u.id AS pk_user_company, u.name, c.name AS company_name, c.country
FROM users u
JOIN companies c ON c.id = u.company_id
$q$),
(3, 'post_left', 'left joins (2)', $q$
SELECT p.id AS pk_post_left, p.title, cat.name AS category, u.name AS author, u.active
FROM posts p
LEFT JOIN categories cat ON cat.id = p.category_id
LEFT JOIN users u ON u.id = p.user_id
$q$),
(4, 'user_manager', 'self join', $q$
SELECT u.id AS pk_user_manager, u.name, m.name AS manager_name, m.score AS manager_score
FROM users u
LEFT JOIN users m ON m.id = u.manager_id
$q$),
(5, 'category_tree', 'inner self join', $q$
SELECT c.id AS pk_category_tree, c.name, parent.name AS parent_name
FROM categories c
JOIN categories parent ON parent.id = c.parent_id
$q$),
(6, 'user_level', 'non-equi join', $q$
SELECT u.id AS pk_user_level, u.score, l.label
FROM users u
JOIN levels l ON l.band @> u.score
$q$),
(7, 'published_post', 'WHERE filter', $q$
SELECT p.id AS pk_published_post, p.title, p.views
FROM posts p
WHERE p.published AND p.views > 10
$q$),
(8, 'user_stats', 'scalar subqueries in select list', $q$
SELECT u.id AS pk_user_stats, u.name,
       (SELECT count(*) FROM posts p WHERE p.user_id = u.id) AS n_posts,
       (SELECT max(c.rating) FROM comments c WHERE c.user_id = u.id) AS best_rating
FROM users u
$q$),
(9, 'post_doc', 'jsonb_agg subquery (document with array)', $q$
SELECT p.id AS pk_post_doc,
       jsonb_build_object(
           'id', p.id, 'title', p.title,
           'author', jsonb_build_object('id', u.id, 'name', u.name),
           'comments', COALESCE((
               SELECT jsonb_agg(jsonb_build_object(
                          'id', c.id, 'body', c.body,
                          'by', (SELECT cu.name FROM users cu WHERE cu.id = c.user_id))
                      ORDER BY c.id)
               FROM comments c WHERE c.post_id = p.id), '[]'::jsonb)) AS data
FROM posts p
JOIN users u ON u.id = p.user_id
$q$),
(10, 'user_doc', 'two-level nested jsonb_agg', $q$
SELECT u.id AS pk_user_doc,
       jsonb_build_object(
           'name', u.name,
           'posts', COALESCE((
               SELECT jsonb_agg(jsonb_build_object(
                          'id', p.id, 'title', p.title,
                          'comments', COALESCE((
                              SELECT jsonb_agg(jsonb_build_object('body', c.body, 'rating', c.rating)
                                               ORDER BY c.id)
                              FROM comments c WHERE c.post_id = p.id), '[]'::jsonb))
                      ORDER BY p.id)
               FROM posts p WHERE p.user_id = u.id), '[]'::jsonb)) AS data
FROM users u
$q$),
(11, 'post_tags', 'ARRAY(SELECT) and array_agg subqueries', $q$
SELECT p.id AS pk_post_tags, p.title,
       ARRAY(SELECT t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
             WHERE pt.post_id = p.id ORDER BY t.name) AS tag_names,
       (SELECT array_agg(pt.tag_id ORDER BY pt.tag_id) FROM post_tags pt
         WHERE pt.post_id = p.id) AS tag_ids
FROM posts p
$q$),
(12, 'active_author', 'EXISTS and IN subqueries in WHERE', $q$
SELECT u.id AS pk_active_author, u.name
FROM users u
WHERE EXISTS (SELECT 1 FROM posts p WHERE p.user_id = u.id AND p.published)
  AND u.company_id IN (SELECT c.id FROM companies c WHERE c.country <> 'XX')
$q$),
(13, 'quiet_user', 'NOT EXISTS and NOT IN subqueries in WHERE', $q$
SELECT u.id AS pk_quiet_user, u.name, u.score
FROM users u
WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.user_id = u.id AND c.rating <= 1)
  AND u.id NOT IN (SELECT ap.user_id FROM archived_posts ap WHERE ap.user_id IS NOT NULL)
$q$),
(14, 'post_agg', 'GROUP BY key with count/sum/FILTER', $q$
SELECT p.id AS pk_post_agg, p.title,
       count(c.id) AS n_comments,
       sum(c.rating) AS total_rating,
       count(*) FILTER (WHERE c.rating >= 4) AS n_good
FROM posts p
LEFT JOIN comments c ON c.post_id = p.id
GROUP BY p.id
$q$),
(15, 'category_stats', 'derived table', $q$
SELECT c.id AS pk_category_stats, c.name, s.n_posts, s.total_views
FROM categories c
JOIN (SELECT p.category_id, count(*) AS n_posts, sum(p.views) AS total_views
      FROM posts p GROUP BY p.category_id) s ON s.category_id = c.id
$q$),
(16, 'user_latest', 'LATERAL subquery with ORDER BY ... LIMIT; ARRAY(SELECT ... LIMIT)', $q$
SELECT u.id AS pk_user_latest, u.name, best.title AS top_title, best.views AS top_views,
       ARRAY(SELECT p.title FROM posts p WHERE p.user_id = u.id
             ORDER BY p.views DESC, p.id LIMIT 3) AS top3_titles
FROM users u
LEFT JOIN LATERAL (SELECT p.title, p.views FROM posts p WHERE p.user_id = u.id
                   ORDER BY p.views DESC, p.id LIMIT 1) best ON true
$q$),
(17, 'company_cte', 'non-recursive CTE', $q$
WITH emp AS (
    SELECT u.company_id, count(*) AS n_users, sum(u.score) AS total_score
    FROM users u GROUP BY u.company_id
)
SELECT c.id AS pk_company_cte, c.name, COALESCE(e.n_users, 0) AS n_users, e.total_score
FROM companies c
LEFT JOIN emp e ON e.company_id = c.id
$q$),
(18, 'feed', 'UNION ALL with disjoint text keys', $q$
SELECT 'p' || p.id AS pk_feed, p.title AS label, p.user_id
FROM posts p
UNION ALL
SELECT 'a' || ap.id AS pk_feed, ap.title AS label, ap.user_id
FROM archived_posts ap
$q$),
(19, 'chain_user', 'stacked chain level 1 (base tables)', $q$
SELECT u.id AS pk_chain_user, u.name, c.name AS company
FROM users u
LEFT JOIN companies c ON c.id = u.company_id
$q$),
(20, 'chain_post', 'stacked chain level 2 (reads tv_chain_user)', $q$
SELECT p.id AS pk_chain_post, p.category_id, p.title, cu.name AS author, cu.company
FROM posts p
JOIN tv_chain_user cu ON cu.pk_chain_user = p.user_id
$q$),
(21, 'chain_category', 'stacked chain level 3 (jsonb_agg over tv_chain_post)', $q$
SELECT cat.id AS pk_chain_category, cat.name,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('title', cp.title, 'author', cp.author,
                                                     'company', cp.company)
                                  ORDER BY cp.pk_chain_post)
                 FROM tv_chain_post cp WHERE cp.category_id = cat.id), '[]'::jsonb) AS posts
FROM categories cat
$q$),
(22, 'dia_left', 'diamond left (reads tv_chain_user)', $q$
SELECT cu.pk_chain_user AS pk_dia_left, upper(cu.name) AS uname, cu.company
FROM tv_chain_user cu
$q$),
(23, 'dia_right', 'diamond right (reads tv_chain_user + comments)', $q$
SELECT cu.pk_chain_user AS pk_dia_right, cu.name,
       (SELECT count(*) FROM comments c WHERE c.user_id = cu.pk_chain_user) AS n_comments
FROM tv_chain_user cu
$q$),
(24, 'dia_bottom', 'diamond bottom (joins tv_dia_left and tv_dia_right)', $q$
SELECT l.pk_dia_left AS pk_dia_bottom, l.uname, l.company, r.name, r.n_comments
FROM tv_dia_left l
JOIN tv_dia_right r ON r.pk_dia_right = l.pk_dia_left
$q$),
(25, 'alias_top', 'single table with the alias top (a valid PostgreSQL alias)', $q$
SELECT top.id AS pk_alias_top, top.name
FROM users top
$q$),
(26, 'user_top3', 'LATERAL over a correlated derived table with ORDER BY ... LIMIT', $q$
SELECT u.id AS pk_user_top3, top3.titles
FROM users u
LEFT JOIN LATERAL (SELECT array_agg(x.title ORDER BY x.views DESC, x.id) AS titles
                   FROM (SELECT p.id, p.title, p.views FROM posts p WHERE p.user_id = u.id
                         ORDER BY p.views DESC, p.id LIMIT 3) x) top3 ON true
$q$),
(27, 'verify_cols', 'single table with output columns named t and v', $q$
SELECT c.id AS pk_verify_cols, c.name AS t, c.country AS v
FROM companies c
$q$);
