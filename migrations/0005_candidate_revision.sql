-- Every write that can change a candidate's result (a scorecard, a moderation, the candidate's own
-- fields) bumps `revision` in the same statement or transaction. A writer reads the candidate's state
-- with its revision, scores it, and stores the change only if the revision is still the one it read;
-- otherwise it reads again. So a stored result always comes from all the input committed before it.
ALTER TABLE candidates ADD COLUMN revision bigint NOT NULL DEFAULT 0;

-- A result is computed from the candidate's state whenever it is read; what is kept is what the ranking
-- sorts on (`standing`), the status, and the digest of the result, which tells a writer whether its
-- change changed the result (and so whether to emit `candidate.result.updated`). The rendered result is
-- no longer stored: the column stays, nullable, while replicas of the previous release may still run
-- (they read and write it), and a later migration drops it.
ALTER TABLE candidate_results ALTER COLUMN result DROP NOT NULL;
