-- The segment evaluator reads a few customers' memberships (core/segment/SegmentStore.evaluateMany): with the segment
-- in the index too, that is an index-only scan instead of a heap visit per membership.
DROP INDEX segment_member_by_customer;
CREATE INDEX segment_member_by_customer ON segment_member (customer_id, segment_id);
