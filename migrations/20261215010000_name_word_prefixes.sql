-- A name search finds the names each of whose typed words begins one of the name's words
-- ("mar bri" finds Maria Bria and Bria Maria Goreti), instead of the typed text anywhere in the
-- name. The trigram index that answered the old search read the long posting lists of the
-- commonest trigrams ("ria", "mar", "ari") for every search: about 12 ms at a million cases.
-- The index below holds, for each case, every beginning of every word of its name: a search
-- looks up exactly the words typed and intersects them (about 1 ms).
--
-- Words are what lies between the ASCII characters that are neither letters nor digits
-- (spaces, ' - . and the like); letters beyond ASCII belong to words. The service splits the
-- typed words by the same rule (src/domain/search.rs `name_words`) and also checks each one
-- with a cheap regular expression (src/db/cases.rs), so that walking an order index filters
-- rows without calling this function on each. COST tells the planner so: it evaluates the
-- regular expressions first and never prefers calling the function on every row to the index.
-- PARALLEL RESTRICTED, though a worker could run it: a search reads a few hundred rows, and a
-- parallel plan (which PostgreSQL chose for the generic plan of the search, guessing 5,000
-- matches) spent 3-5 ms starting its workers, more than the search itself.
CREATE FUNCTION name_word_prefixes(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL RESTRICTED COST 1000
    AS $$
        SELECT coalesce(array_agg(DISTINCT left(w, n)), '{}')
        FROM regexp_split_to_table(lower(name), '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+') AS w,
             generate_series(1, length(w)) AS n
    $$;

CREATE INDEX cases_name_prefix_idx ON cases USING gin (name_word_prefixes(full_name));

DROP INDEX IF EXISTS cases_name_trgm_idx;
