-- Published rubric versions: immutable, shared by every organisation (reference data).

CREATE TABLE rubric_versions (
    rubric_id     text NOT NULL,
    version       integer NOT NULL,
    hash          text NOT NULL,
    purpose       text NOT NULL,
    framework     text NOT NULL,
    title         text NOT NULL,
    written       jsonb NOT NULL,
    document      jsonb NOT NULL,
    source        text NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rubric_versions_pkey PRIMARY KEY (rubric_id, version)
);

CREATE FUNCTION rubric_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published rubric versions are immutable; publish a new version instead';
END;
$$;

CREATE TRIGGER rubric_versions_no_update BEFORE UPDATE OR DELETE ON rubric_versions
    FOR EACH ROW EXECUTE FUNCTION rubric_versions_immutable();
