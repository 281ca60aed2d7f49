"""A GIN index of character bigrams over title, community and description, for keyword search.

PostgreSQL only (a no-op on SQLite, which keeps a plain `icontains` scan; see
`ListingFilterSet.filter_words`).

`listing_keyword_terms(title, community_name, description)` is the tsvector of every pair of
adjacent characters in the upper-cased text (whitespace ends a pair; each field apart): "朝南户型"
gives 朝南 南户 户型, "WeChat 60" gives WE EC CH HA AT 60. `listing_keyword_query(word)` is the
AND of the same function's bigrams of a keyword. A word that `icontains` finds in a field holds
all of its bigrams in that field, so the index finds a superset of what `icontains` finds and the
filter re-checks the rows with `icontains` itself: the results stay exactly those of `icontains`.
Latin words are split into bigrams too, not indexed as words: a word index would not find "chat"
in "WeChat", and `icontains` does. Both functions upper-case as `icontains` does
(`UPPER(...) LIKE UPPER(...)`), in the database, so indexing and querying cannot drift apart.

An expression index rather than a stored generated column: the table is not rewritten under an
exclusive lock (ALTER TABLE ... ADD COLUMN ... GENERATED ALWAYS AS ... STORED would rewrite every
row), no row stores its bigrams twice, and no listing write has to maintain anything.
CREATE INDEX CONCURRENTLY builds it without blocking writes, outside a transaction (hence
`atomic = False`); an interrupted build leaves an invalid index, which a re-run drops first.
At a million listings the build reads the whole table once (minutes on two cores).
"""

from django.db import migrations

FUNCTIONS = [
    # ASCII whitespace only: every character Python's str.split() splits a query on is among
    # them or indexed as part of a bigram (U+3000 included), never the other way round.
    r"""
    CREATE OR REPLACE FUNCTION listing_keyword_bigrams(doc text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT substr(chunk, i, 2)), '{}')
        FROM regexp_split_to_table(upper(doc), '[ \t\n\r\f\v]+') AS chunk,
             generate_series(1, char_length(chunk) - 1) AS i
    $$
    """,
    # SET search_path: the body finds listing_keyword_bigrams when a restore (pg_dump's empty
    # search_path) rebuilds the index, and PostgreSQL does not inline the function, which would
    # hide the index's expression from the planner and the cost from its estimates.
    """
    CREATE OR REPLACE FUNCTION listing_keyword_terms(title text, community text, description text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 SET search_path FROM CURRENT AS $$
        SELECT array_to_tsvector(listing_keyword_bigrams(
            coalesce(title, '') || ' ' || coalesce(community, '') || ' ' || coalesce(description, '')
        ))
    $$
    """,
    # The word's three rarest bigrams by the index's statistics (a bigram they do not list is
    # rarer than any they do), quoted as tsquery lexemes (quotes and backslashes doubled), ANDed.
    # Any of a word's bigrams select a superset of the rows holding it (icontains re-checks);
    # three keep a rare word's rows few, and the planner, which multiplies the bigrams'
    # frequencies as if they were independent, does not take a long common phrase for a rare
    # one. Read while planning (an immutable function of a constant is folded): statistics
    # change which rows the index hands over, never which rows the search finds.
    r"""
    CREATE OR REPLACE FUNCTION listing_keyword_query(keyword text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT string_agg(
            '''' || replace(replace(bigram, '\', '\\'), '''', '''''') || '''', ' & '
        )::tsquery
        FROM (
            SELECT bigram
            FROM unnest(listing_keyword_bigrams(keyword)) AS bigram
            LEFT JOIN (
                SELECT unnest(most_common_elems::text::text[]) AS elem,
                       unnest(most_common_elem_freqs) AS freq
                FROM pg_stats
                WHERE schemaname = current_schema() AND tablename = 'listing_keywords'
            ) AS common ON common.elem = bigram
            ORDER BY coalesce(common.freq, 0), bigram
            LIMIT 3
        ) AS rarest
    $$
    """,
]
DROP_INDEX = "DROP INDEX CONCURRENTLY IF EXISTS listing_keywords"
# Not partial (status = 'active'), though search reads active listings only: PostgreSQL keeps
# statistics of an index's expression (here, how often each bigram occurs) but the planner
# ignores those of a partial index, and without them it takes any keyword for a rare one and
# sorts hundreds of thousands of rows for a common word instead of walking newest-first.
CREATE_INDEX = """
    CREATE INDEX CONCURRENTLY listing_keywords ON listings_listing
    USING gin (listing_keyword_terms(title, community_name, description))
"""
DROP_FUNCTIONS = [
    "DROP FUNCTION IF EXISTS listing_keyword_query(text)",
    "DROP FUNCTION IF EXISTS listing_keyword_terms(text, text, text)",
    "DROP FUNCTION IF EXISTS listing_keyword_bigrams(text)",
]


def _run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("listings", "0008_photo_queued_at"),
    ]

    operations = [
        migrations.RunPython(
            _run_on_postgresql([*FUNCTIONS, DROP_INDEX, CREATE_INDEX]),
            _run_on_postgresql([DROP_INDEX, *DROP_FUNCTIONS]),
        ),
    ]
