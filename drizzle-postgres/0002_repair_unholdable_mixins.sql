-- Mixins written before the service refused them could hold text that PostgreSQL's json functions cannot decode:
-- the escape \u0000, or a UTF-16 surrogate without its pair. Every json path query of the tenant then failed on such
-- a row. Each one is written again with U+FFFD in place of what cannot be decoded (as UTF-8 would have it), so
-- that the row is found again; rows without a \u escape, nearly all of them, are not even parsed.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT pk, mixins::text AS t FROM customers WHERE strpos(mixins::text, '\u') > 0 LOOP
    BEGIN
      PERFORM r.t::jsonb;
    EXCEPTION WHEN others THEN
      UPDATE customers SET mixins = regexp_replace(regexp_replace(regexp_replace(r.t,
        '\\u0000', '\\ufffd', 'g'),
        '\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})', '\\ufffd', 'gi'),
        '(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}', '\\ufffd', 'gi')::json
      WHERE pk = r.pk;
    END;
  END LOOP;
END $$;
