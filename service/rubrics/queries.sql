-- Published rubric versions. What is served of a version: rubric_id, version, hash, purpose, framework,
-- title, document, published_at.

-- name: publish
INSERT INTO rubric_versions (rubric_id, version, hash, purpose, framework, title, written, document, source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (rubric_id, version) DO NOTHING
RETURNING rubric_id, version, hash, purpose, framework, title, document, published_at;

-- name: stored_hash
SELECT hash FROM rubric_versions WHERE rubric_id = $1 AND version = $2;

-- name: one_version
SELECT rubric_id, version, hash, purpose, framework, title, document, published_at
  FROM rubric_versions WHERE rubric_id = $1 AND version = $2;

-- name: latest
SELECT rubric_id, version, hash, purpose, framework, title, document, published_at
  FROM rubric_versions WHERE rubric_id = $1 ORDER BY version DESC LIMIT 1;

-- name: any_published
SELECT EXISTS (SELECT FROM rubric_versions);

-- name: all_latest
SELECT DISTINCT ON (rubric_id) rubric_id, version, hash, purpose, framework, title, document, published_at
  FROM rubric_versions ORDER BY rubric_id, version DESC;
