-- A name search's keys: the beginnings of a name's words, as before, and now pairs of them,
-- with letters beyond ASCII lower-cased whatever the database's locale.
--
-- Pairs. A search of two common words, such as "Maria Bria" (about 20,000 cases each among a
-- million, 384 both), made the name index intersect two posting lists of about 20,000 cases
-- each: about 1 ms of the search's 2. Each name now also has a key for each two of its words of
-- three letters or more whose first three letters differ: those beginnings, the smaller first
-- in byte order, joined by a space ("bri mar"). The service adds the typed words' pair keys to
-- the search (`domain::search::word_pairs`, the same rule). Every name a search finds has them,
-- so no match is lost, and the index reads the pair's list (about 2,000 cases for "bri mar")
-- instead of intersecting the long ones: 0.4 ms against 1.0 for that part of the search.
--
-- Letter case. `lower()` follows the database's locale, and the embedded cluster has none
-- (`initdb --no-locale`): there "Ñañez" and "Élodie" kept their capitals, and a search, which
-- the service lower-cases by Unicode's rules, did not find them. The names are now lower-cased
-- through ICU's root collation (`und-x-icu`, in every PostgreSQL built with ICU, as the
-- Debian packages and the official images are), by the same Unicode rules. The words are split
-- on Unicode's spaces too (a no-break space pasted from a message), as the service splits the
-- typed words.
--
-- The column `name_keys` replaces `name_prefixes` and its index, in one statement that
-- rewrites the cases table once (about 20–30 s at a million cases, during which the table is
-- locked).
CREATE FUNCTION name_search_keys(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL RESTRICTED COST 1000
    AS $$
        WITH words AS (
            SELECT w
            FROM regexp_split_to_table(lower(name COLLATE "und-x-icu"),
                                       '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f[:space:]]+') AS w
            WHERE w <> ''
        ),
        beginnings AS (
            SELECT DISTINCT left(w, 3) COLLATE "C" AS b FROM words WHERE length(w) >= 3
        )
        SELECT coalesce((SELECT array_agg(DISTINCT left(w, n))
                         FROM words, generate_series(1, length(w)) AS n), '{}')
            || coalesce((SELECT array_agg(x.b || ' ' || y.b)
                         FROM beginnings x JOIN beginnings y ON x.b < y.b), '{}')
    $$;

ALTER TABLE cases
    DROP COLUMN name_prefixes,
    ADD COLUMN name_keys text[] GENERATED ALWAYS AS (name_search_keys(full_name)) STORED;

CREATE INDEX cases_name_keys_idx ON cases USING gin (name_keys)
    WITH (gin_pending_list_limit = 256);

DROP FUNCTION name_word_prefixes(text);
