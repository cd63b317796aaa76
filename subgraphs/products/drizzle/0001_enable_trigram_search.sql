-- Trigram matching for the catalog's text search (products_name_trgm_idx, next migration).
-- pg_trgm is a trusted extension: the database's owner, the service's own non-superuser
-- role, may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
