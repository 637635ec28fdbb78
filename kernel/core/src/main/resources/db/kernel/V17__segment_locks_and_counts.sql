-- A membership row no longer checks its segment by foreign key on PostgreSQL. Each check locks the segment's row
-- FOR KEY SHARE, and under 1,000 events/s the evaluator's lanes insert memberships of the same few segments at once:
-- PostgreSQL then creates a multixact for the row at every insert (ADR 10). The segments' advisory locks keep what the
-- key kept: a deletion takes its segment's lock exclusive and deletes the members itself, and no evaluation inserts a
-- membership without the segment's lock, shared, and the segment read under it (a merge moves memberships to another
-- customer without it, but never to another segment). The key to customer stays: no membership
-- outlives an erased profile. H2 names the constraint itself and has no lanes: it keeps the key.
ALTER TABLE segment_member DROP CONSTRAINT IF EXISTS segment_member_segment_id_fkey;

-- Incremental evaluations no longer add to segment.member_count: every batch rewrote the rows every evaluation reads
-- (with autovacuum off, 34 pages a read instead of 2), and lanes queued at a row to count. They add to
-- a stripe of their own here instead (core/segment/SegmentStore.STRIPES, one per lane: a server's lanes do not queue at
-- one row to count); a rebuild sets member_count and the stripes to 0. The count is member_count plus the stripes.
-- A segment is made with its stripes; on PostgreSQL an addition also makes one that is missing.
CREATE TABLE segment_count (
    segment_id      UUID   NOT NULL REFERENCES segment (id),
    stripe          INT    NOT NULL,
    members         BIGINT NOT NULL,
    PRIMARY KEY (segment_id, stripe)
);
INSERT INTO segment_count (segment_id, stripe, members) SELECT s.id, x.stripe, 0 FROM segment s CROSS JOIN (VALUES (0), (1), (2), (3)) AS x (stripe);
