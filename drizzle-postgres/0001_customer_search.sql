-- Substring search over a customer's number, names, company and contact email, as the SQLite store's FTS5 trigram
-- index answers it: pg_trgm answers `LIKE '%…%'` from a GIN index of trigrams, and btree_gin puts the tenant into the
-- same index, so that a search reads its own tenant's entries only. Both extensions are trusted (PostgreSQL 13 and
-- newer): the owner of the database may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gin;
--> statement-breakpoint
-- Letter case is folded in every script, as SQLite's search does ("öz" finds "Öztürk"). lower() folds as its
-- collation says, and the database's default may be "C" (ASCII only) or any libc locale, so the search names ICU's
-- root collation: every PostgreSQL built with ICU has it (the default build since 16; the packages of 14 and 15).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
    RAISE EXCEPTION 'customer-graph needs PostgreSQL built with ICU (the collation "und-x-icu" is missing)';
  END IF;
END
$$;
--> statement-breakpoint
-- The searched text: the five columns joined by chr(31), which a search cannot contain (control characters are
-- refused), so no match spans two columns. src/store/postgres/customers.ts (SEARCH_TEXT) queries this very
-- expression: the planner uses the index only for the same expression.
CREATE INDEX "customers_search" ON "customers" USING gin (
  "tenant",
  lower((
    "customer_number" || chr(31) || coalesce("first_name", '') || chr(31) || coalesce("last_name", '') || chr(31)
    || coalesce("company", '') || chr(31) || coalesce("contact_email", '')
  ) COLLATE "und-x-icu") gin_trgm_ops
);
