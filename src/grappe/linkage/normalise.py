"""Normalise records into the features the comparisons and blocking rules read, in one DuckDB pass.

The work is set-based SQL (DuckDB, vectorised, multi-threaded) rather than a Python loop per row: a million
names normalise in seconds this way. The output is an Arrow table any engine can take, so Spark scores the
very same features DuckDB does.

Names: folded (case, accents, "œ"), "&" → "et", possessives and elisions (d', l') dropped, dotted and spaced
initials joined ("S.A.R.L." → "sarl", "A B C" → "abc", "N.V.PHILIPS" → "nv philips"), a seat written after
the legal form and a comma cut off ("Gist-Brocades N.V., Delft"), abbreviations and plurals mapped onto one
form, legal forms (French and foreign, spelt out or not, misspelt by one letter when long), generic words
and stopwords removed. Each remaining token gets an inverse document frequency weight: the comparisons
count shared *rare* words ("kaliop") far more than shared common ones ("conseil", "digital", "solution").
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from grappe.france.mailboxes import WEBMAIL_DOMAINS
from grappe.france.placeholders import (
    PLACEHOLDER_DOMAINS,
    PLACEHOLDER_NAMES,
    PLACEHOLDER_SIREN,
    RESERVED_TOP_LEVEL_DOMAINS,
)

from .settings import LinkageSettings
from .vocabulary import (
    CITY_ABBREVIATIONS,
    COUNTRY_NAMES,
    GENERIC_WORDS,
    LEGAL_FORM_PHRASES,
    LEGAL_FORM_WORDS,
    NAME_ABBREVIATIONS,
    SHARED_WEBSITE_HOSTS,
    STOPWORDS,
    STREET_ABBREVIATIONS,
    TRAILING_LEGAL_FORM_WORDS,
)

TOP_TOKENS = 4  # rarest tokens kept per name for the weighted-overlap comparison
# Name frequencies measured on fewer records than this say more about the sample than about names: in a set of
# three records where a name appears twice, its share (2/3) would make an exact name match count *against*
# a match. Frequencies are taken over at least this many profiles.
MIN_FREQUENCY_POPULATION = 1_000
# Values whose agreement counts for less the more organisations share them (tf_<column>: their frequency):
# a common name, a group's mail domain used by its twenty subsidiaries, an accountant's address given for
# every client company.
FREQUENCY_COLUMNS = ("name_norm", "name_brand", "domain", "email")
# Names are weighed by their frequency in any set; domains and addresses only in sets large enough to
# estimate u (pipeline._frequencies_measured).
ALWAYS_FREQUENCY_COLUMNS = ("name_norm", "name_brand")
# A brand (a name's first kept word) is counted once per *name shape*: the brand with the first three letters
# of the word after it ("philips electronics", "philips elecronics" and "philips electonics" are one shape,
# "philips gloeilampenfabrieken" another). How common a brand is means how many different organisations
# wear it; one company written with a hundred typos is still one shape or two, where counting its distinct
# spellings would make its own brand look common. Typing errors rarely touch a word's first letters (the
# same reason blocking keys take a word's first letters).
BRAND_SHAPE_LETTERS = 3
# A contact detail given by this many companies or more (told apart as ``_shared_contacts_dropped`` says) is a
# shared one: an accountant's address given for each client, a group's domain for its subsidiaries, an
# incubator's switchboard for the start-ups it hosts, « contact@gmail.com ». It says nothing about which company
# a record is, and is left out of blocking and comparison, whatever the size of the set (frequencies only weigh
# it down in large ones). Two companies are not enough: a company renamed keeps its address.
SHARED_BY_BRANDS = 3
# Long words of the lists are recognised through one typo (one letter missing, extra, wrong or two swapped,
# the first letter right): misspelt, "Koninklike" or "Vennootshap" would otherwise become the rarest word of
# its name, the one that weighs most. Shorter words are not: "holdin" may be a name, "societe" has neighbours.
MIN_MISSPELT_LENGTH = 8

# What makes two records the same observation: every prepared field the comparisons read. Records equal on
# all of them are exact copies (one row exported twice, or a name with nothing else typed again and again).
PROFILE_COLUMNS = (
    "name_norm", "siren_checked", "siret", "postcode", "departement_raw", "city_norm",
    "street_norm", "email", "website_domain", "phone_read", "naf", "country_code",
)  # fmt: skip
# A registry's records also count the organisation they already belong to (``prepare(..., registry=True)``):
# copies kept in two organisations of a resolved registry were kept apart by someone. New records do not: the
# organisations an import made for them (one per row, unless a SIREN said otherwise) were decided by nobody, and
# two rows equal on every field they have are one organisation, whatever their ids say.
REGISTRY_PROFILE_COLUMNS = ("organisation_given", *PROFILE_COLUMNS)


@dataclass(frozen=True)
class Prepared:
    """Normalised records ready for blocking and scoring, with the token statistics they were built with.

    Frequencies (of names, of name tokens) count *profiles*, distinct records, not rows: a frequency says how
    many different organisations bear a name, and 300 copies of "AKZO NOBEL N.V." are one observation of it,
    not 300 companies called Akzo Nobel. Counting them 300 times made every duplicated name look common and
    its exact match worthless, precisely where duplicates are the most numerous. In a registry of noisy
    duplicates (another phone, another address) nothing changes: each row is a profile of its own. Value-
    specific u probabilities (Fellegi and Sunter, 1969) take frequencies in files where each entity appears
    once; counting profiles removes the one kind of duplicate that can be told without the model.
    """

    features: pa.Table
    token_counts: pa.Table  # token, df: how many profiles hold each name token
    record_count: int
    profile_count: int  # distinct profiles (see PROFILE_COLUMNS) the frequencies were counted over

    @property
    def ids(self) -> pa.ChunkedArray:
        return self.features.column("record_id")


def prepare(
    con: duckdb.DuckDBPyConnection,
    records: pa.Table,
    settings: LinkageSettings,
    *,
    reference: Prepared | None = None,
    registry: bool = False,
) -> Prepared:
    """Features of ``records``. With ``reference`` (a prepared registry), frequencies count both sets.
    ``registry``: the records are a resolved registry's (their ``organisation_id`` is part of their profile).

    A profile held by both sets counts twice in token frequencies and in the population they are divided by
    (the registry's are kept as counts): a slight over-count, on the side of caution, for the few re-imported
    rows. Name, domain and e-mail frequencies are counted exactly over both sets.
    """
    con.register("__input", records)
    con.execute(f"CREATE OR REPLACE TEMP TABLE __cleaned AS {_cleaned_sql(settings.default_country)}")
    con.register("__foreign_phones", foreign_phones(con))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __base AS "
        f"SELECT *, (hash({', '.join(REGISTRY_PROFILE_COLUMNS if registry else PROFILE_COLUMNS)}) >> 1)::BIGINT "
        "AS profile "
        f"FROM ({_base_sql(misspellings(con))})"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __tokens AS "
        "SELECT record_id, profile, unnest(list_distinct(name_tokens)) AS token FROM __base"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __own_counts AS "
        "SELECT token, count(DISTINCT profile)::BIGINT AS df FROM __tokens GROUP BY token"
    )
    (own_profiles,) = con.execute("SELECT count(DISTINCT profile) FROM __base").fetchall()[0]
    profiles = own_profiles + (reference.profile_count if reference else 0)
    if reference is not None:
        con.register("__reference", reference.features)
        con.register("__reference_counts", reference.token_counts)
        counts_sql = (
            "SELECT token, sum(df)::BIGINT AS df FROM (SELECT * FROM __own_counts "
            "UNION ALL SELECT * FROM __reference_counts) GROUP BY token"
        )
    else:
        counts_sql = "SELECT * FROM __own_counts"
    con.execute(f"CREATE OR REPLACE TEMP TABLE __counts AS {counts_sql}")
    for statement in _features_sql(settings, total=profiles, with_reference=reference is not None):
        con.execute(statement)
    features = _arrow(con.sql("SELECT * FROM __features"))
    for name in ("__input", "__reference", "__reference_counts", "__foreign_phones"):
        _unregister(con, name)
    return Prepared(
        features=features,
        token_counts=_arrow(con.sql("SELECT token, df FROM __counts")),
        record_count=records.num_rows + (reference.record_count if reference else 0),
        profile_count=profiles,
    )


@dataclass(frozen=True)
class Misspellings:
    """Words of a set's names that misspell a long legal-form word or a long generic word."""

    legal_forms: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()


def misspellings(con: duckdb.DuckDBPyConnection) -> Misspellings:
    """The words of ``__cleaned``'s names that misspell a long legal-form or generic word."""
    # The words of the French phrases are words of their own ("responsabilité" is not a misspelt
    # "responsabilità", Italian's legal word).
    phrase_words = {word for phrase in LEGAL_FORM_PHRASES for word in phrase.split()}
    known = LEGAL_FORM_WORDS | GENERIC_WORDS | STOPWORDS | phrase_words
    known = known | {singular(word) for word in known}
    vocabulary = [
        (singular(word), kind)
        for kind, words in (("legal", LEGAL_FORM_WORDS), ("generic", GENERIC_WORDS))
        for word in sorted(words)
        if len(word) >= MIN_MISSPELT_LENGTH
    ]
    rows = con.execute(
        f"""
        WITH words AS (SELECT DISTINCT unnest(words) AS word FROM __cleaned),
          vocabulary AS (SELECT unnest(?) AS known, unnest(?) AS kind)
        SELECT DISTINCT w.word, v.kind FROM words w JOIN vocabulary v
          ON left(w.word, 1) = left(v.known, 1) AND abs(length(w.word) - length(v.known)) <= 1
        WHERE NOT list_contains({_list(known)}, w.word) AND damerau_levenshtein(w.word, v.known) <= 1
        """,
        [[word for word, _ in vocabulary], [kind for _, kind in vocabulary]],
    ).fetchall()
    return Misspellings(
        legal_forms=frozenset(word for word, kind in rows if kind == "legal"),
        generic=frozenset(word for word, kind in rows if kind == "generic"),
    )


def _arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    result = relation.arrow()
    # DuckDB 2 returns a RecordBatchReader where 1.x returned a Table.
    return result.read_all() if hasattr(result, "read_all") else result


def _unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    with contextlib.suppress(duckdb.Error):  # never registered in this call (no reference)
        con.unregister(name)


# --- SQL building blocks -----------------------------------------------------------------------------------


def _quote(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def _list(words: frozenset[str] | set[str]) -> str:
    return "[" + ", ".join(_quote(word) for word in sorted(words)) + "]"


def _map(mapping: dict[str, str]) -> str:
    return "MAP {" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in sorted(mapping.items())) + "}"


def _folded(expr: str) -> str:
    """Lower case, no accents, ligatures spelt out; punctuation is left for the caller."""
    ligatures = f"replace(replace(replace(replace({expr}, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae')"
    return f"lower(strip_accents({ligatures}))"


def _spaced(expr: str) -> str:
    """Folded text with every run of non-alphanumerics turned into one space."""
    return f"trim(regexp_replace({expr}, '[^a-z0-9]+', ' ', 'g'))"


def _words(expr: str) -> str:
    """Folded text → list of words (letters and digits only)."""
    return f"list_filter(string_split(trim(regexp_replace({expr}, '[^a-z0-9]+', ' ', 'g')), ' '), lambda w: w <> '')"


def _join_single_letters(text: str) -> str:
    """ "a b c info" → "abc info": initials typed with spaces are one word. Runs of up to four letters, longest
    first (RE2 has no look-ahead, so each run length is one pass)."""
    letter = "([a-z0-9])"
    for run in (4, 3, 2):
        pattern = "\\b" + " ".join([letter] * run) + "\\b"
        replacement = "".join(f"\\{i}" for i in range(1, run + 1))
        text = f"regexp_replace({text}, '{pattern}', '{replacement}', 'g')"
    return text


def _without_seat(text: str) -> str:
    """The name without what follows a legal form and a comma, or a legal form and Dutch "te" (at), or a
    legal form and a street ending in its number: "Gist-Brocades N.V., Delft, NL", "Acme Inc., Boston", "Sara
    Lee/DE N.V. te Utrecht" or "Philips Electronics N.V. Groenewoudseweg 1" is how registries and patent
    offices write a company and its seat or address, which are not part of the name."""
    forms = sorted(LEGAL_FORM_WORDS | TRAILING_LEGAL_FORM_WORDS)
    spelled = [" ".join(word) for word in forms if 2 <= len(word) <= 4 and word.isalpha()]  # "b v,"
    alternatives = "|".join(sorted(set(forms) | set(spelled), key=len, reverse=True))
    alternatives = _form_phrases(separator="\\s+") + "|" + alternatives
    return f"regexp_replace({text}, '^(.*?[a-z0-9].*?\\s(?:{alternatives}))(?:\\.?\\s*,|\\.?\\s+te\\s|\\.?\\s+[a-z][^,]*\\s[0-9]+[a-z]?\\s*$).*$', '\\1')"


def _form_phrases(separator: str = " ") -> str:
    """LEGAL_FORM_PHRASES as one regular-expression alternation (see there for the variants accepted)."""

    def word(text: str) -> str:
        if text in ("d", "l"):  # an elision the name may have kept: "d interet"
            return f"(?:{text}{separator})?"
        if text == "societe":
            return "(?:societe|ste|soc)" + separator
        if len(text) > 3 and text.isalpha():
            return text.removesuffix("s") + "s?" + separator
        return text + separator

    phrases = sorted(LEGAL_FORM_PHRASES, key=len, reverse=True)
    patterns = ["".join(word(w) for w in phrase.split())[: -len(separator)] for phrase in phrases]
    return "|".join(f"(?:{pattern})" for pattern in patterns)


def _without_form_phrases(text: str) -> str:
    """Spaced text without the spelled-out legal forms ("société par actions simplifiée"), removed as whole
    phrases: their words are ordinary words elsewhere ("Action Conseil")."""
    return f"regexp_replace({text}, '\\b(?:{_form_phrases()})\\b', ' ', 'g')"


def _without_spaced_form(text: str) -> str:
    """Spaced text without a legal form typed letter by letter at its end ("D S M N V" → "d s m"): joined
    with the initials before it, the form would make them another name ("dsmnv")."""
    forms = sorted(
        word
        for word in LEGAL_FORM_WORDS | TRAILING_LEGAL_FORM_WORDS
        if 2 <= len(word) <= 4 and word.isalpha()
    )
    spelled = "|".join(" ".join(word) for word in forms)
    return f"regexp_replace({text}, ' (?:{spelled})$', '')"


def singular(word: str) -> str:
    """The plural rule of the SQL below, in Python, so the word lists can be matched after it."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return NAME_ABBREVIATIONS.get(word, word)


def _canonical_word(word: str) -> str:
    plural = f"CASE WHEN length({word}) > 3 AND suffix({word}, 's') AND NOT suffix({word}, 'ss') "
    plural += f"THEN left({word}, length({word}) - 1) ELSE {word} END"
    return f"coalesce({_map(NAME_ABBREVIATIONS)}[{plural}], {plural})"


def _without_trailing_forms(words: str) -> str:
    """The word list without the legal-form codes that are also initials, where they end a longer name
    ("Nokia Oy Ab" → "nokia", but "AB Conseil" keeps its initials). Two passes: forms come in pairs at most."""
    forms = _list(TRAILING_LEGAL_FORM_WORDS)
    for _ in range(2):
        words = (
            f"(CASE WHEN len({words}) > 1 AND list_contains({forms}, {words}[-1]) "
            f"THEN list_slice({words}, 1, len({words}) - 1) ELSE {words} END)"
        )
    return words


def _luhn_ok(digits: str, length: int) -> str:
    """Luhn key check of a ``length``-digit string, as plain arithmetic (no UDF)."""
    terms = []
    for position in range(1, length + 1):
        digit = f"(ascii(substr({digits}, {position}, 1)) - 48)"
        doubled = (length - position) % 2 == 1  # every second digit from the right
        terms.append(
            f"(CASE WHEN {digit} * 2 > 9 THEN {digit} * 2 - 9 ELSE {digit} * 2 END)" if doubled else digit
        )
    return f"(({' + '.join(terms)}) % 10 = 0)"


def _digit_sum(digits: str, length: int) -> str:
    return " + ".join(f"(ascii(substr({digits}, {p}, 1)) - 48)" for p in range(1, length + 1))


def _identifier(raw: str, length: int) -> str:
    """Digits of an identifier, with one leading zero restored (lost in a numeric spreadsheet cell)."""
    compact = f"regexp_replace(coalesce({raw}, ''), '[\\s.\\-/]', '', 'g')"
    return (
        f"CASE WHEN regexp_full_match({compact}, '[0-9]{{{length}}}') THEN {compact} "
        f"WHEN regexp_full_match({compact}, '[0-9]{{{length - 1}}}') THEN '0' || {compact} END"
    )


def foreign_phones(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """(phone, country_code, e164) for the phones of ``__cleaned``'s records outside France, read by their
    country's numbering plan (``phonenumbers``). French numbers are read in SQL (every row of a French
    registry); the few foreign ones, once per distinct value, here."""
    import phonenumbers

    rows = con.execute(
        "SELECT DISTINCT phone, country_code FROM __cleaned "
        "WHERE country_code <> 'FR' AND phone IS NOT NULL AND NOT phone_international"
    ).fetchall()
    phones, countries, numbers = [], [], []
    for phone, country in rows:
        try:
            number = phonenumbers.parse(phone, country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            phones.append(phone)
            countries.append(country)
            numbers.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return pa.table(
        {
            "phone": pa.array(phones, pa.string()),
            "country_code": pa.array(countries, pa.string()),
            "e164": pa.array(numbers, pa.string()),
        }
    )


def _country(default: str) -> str:
    """The record's country as ISO alpha-2: a code as given, a name through COUNTRY_NAMES, else ``default``."""
    given = f"trim(regexp_replace({_folded('country')}, '[^a-z]+', ' ', 'g'))"
    return (
        f"coalesce({_map(COUNTRY_NAMES)}[{given}], "
        f"CASE WHEN regexp_full_match({given}, '[a-z]{{2}}') THEN upper({given}) END, {_quote(default)})"
    )


def _placeholder_domain(domain: str) -> str:
    """SQL: ``domain`` (lower case) stands for no domain, as ``grappe.france.placeholders`` says in Python
    (a records set given to the engine was not always imported)."""
    label = f"split_part({domain}, '.', 1)"
    return (
        f"(list_contains({_list(PLACEHOLDER_DOMAINS)}, {domain})"
        f" OR list_contains({_list(RESERVED_TOP_LEVEL_DOMAINS)}, reverse(split_part(reverse({domain}), '.', 1)))"
        f" OR replace({label}, left({label}, 1), '') = '')"
    )


def _placeholder_email(email: str) -> str:
    """SQL: the address ``email`` (lower case) stands for none (``grappe.france.placeholders``)."""
    domain = f"split_part({email}, '@', 2)"
    return f"({_placeholder_domain(domain)} OR split_part({email}, '@', 1) = split_part({domain}, '.', 1))"


def _placeholder_name(name: str) -> str:
    """SQL: the company name ``name`` says it is unknown (``grappe.france.placeholders``)."""
    key = f"regexp_replace({_folded(name)}, '[^a-z0-9]', '', 'g')"
    return f"list_contains({_list(PLACEHOLDER_NAMES)}, {key})"


def _placeholder_phone(number: str) -> str:
    """SQL: the phone ``number`` (E.164 or digits) stands for none (``grappe.france.placeholders``)."""
    digits = f"regexp_replace({number}, '[^0-9]', '', 'g')"
    national = (
        f"(CASE WHEN length({digits}) = 11 AND left({digits}, 2) = '33' THEN '0' || substr({digits}, 3)"
        f" ELSE {digits} END)"
    )
    return (
        f"((length({digits}) >= 8 AND replace(right({digits}, 8), right({digits}, 1), '') = '')"
        f" OR {national} = '0123456789'"
        f" OR (length({national}) = 10 AND left({national}, 1) = '0' AND {national} = repeat(left({national}, 2), 5)))"
    )


def _cleaned_sql(default_country: str) -> str:
    """Each record's fields cleaned, its name as a list of canonical words (the first, set-wide pass)."""
    name = _folded("name")
    name = f"regexp_replace({name}, '&', ' et ', 'g')"
    name = f"regexp_replace({name}, '([a-z])[''’`]s\\b', '\\1', 'g')"  # possessives: Philip's, McDonald's
    name = f"regexp_replace({name}, '\\b[dl][''’]', ' ', 'g')"  # elisions: d'Électricité, l'Étoile
    # An initial glued to the next word is still an initial: "N.V.PHILIPS" is "N.V. PHILIPS".
    name = f"regexp_replace({name}, '\\b([a-z])\\.([a-z]{{2,}})', '\\1. \\2', 'g')"
    name = f"regexp_replace({name}, '\\b([a-z0-9])\\.', '\\1', 'g')"  # S.A.R.L. → sarl
    name = _without_seat(name)
    email = "lower(trim(email))"
    host = "lower(trim(website))"
    host = f"regexp_replace({host}, '^[a-z][a-z0-9+.-]*://', '')"
    host = f"regexp_replace(split_part(split_part(split_part(split_part({host}, '/', 1), '?', 1), '#', 1), ':', 1), '^www[0-9]*\\.', '')"
    phone_digits = "regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')"
    international = "regexp_matches(trim(coalesce(phone, '')), '^(\\+|00)')"
    naf = "regexp_replace(upper(coalesce(naf_code, '')), '[^0-9A-Z]', '', 'g')"
    read = f"""
      SELECT
        record_id,
        coalesce(organisation_id, record_id) AS organisation_id,
        organisation_id AS organisation_given,
        name AS name_raw,
        list_transform({_words(_join_single_letters(_without_form_phrases(_without_spaced_form(_spaced(name)))))},
                       lambda w: {_canonical_word("w")}) AS words,
        {_identifier("siren", 9)} AS siren_digits,
        {_identifier("siret", 14)} AS siret_digits,
        regexp_extract(coalesce(postcode, ''), '\\b[0-9]{{4,5}}\\b') AS postcode_digits,
        nullif(regexp_replace(upper(coalesce(postcode, '')), '[^0-9A-Z]', '', 'g'), '') AS postcode_text,
        {_country(default_country)} AS country_code,
        phone,
        upper(trim(departement)) AS departement_raw,
        city, street,
        CASE WHEN regexp_full_match({email}, '[^@\\s]+@[^@\\s]+\\.[a-z]{{2,}}') THEN {email} END AS email_read,
        nullif({host}, '') AS host_read,
        {phone_digits} AS phone_digits,
        {international} AS phone_international,
        {naf} AS naf_clean
      FROM __input
    """
    # Names, addresses and sites that stand for none (grappe.france.placeholders) are dropped from the values
    # read above, once each: written over the reading expressions, the test would read every value several
    # times.
    return f"""
      SELECT * EXCLUDE (words, email_read, host_read),
        CASE WHEN {_placeholder_name("name_raw")} THEN []::VARCHAR[] ELSE words END AS words,
        CASE WHEN NOT {_placeholder_email("email_read")} THEN email_read END AS email_clean,
        CASE WHEN NOT {_placeholder_domain("host_read")} THEN host_read END AS host
      FROM ({read})
    """


def _base_sql(misspelt: Misspellings) -> str:
    """Features of ``__cleaned``. ``misspelt``: the set's own misspellings of legal forms and generic words,
    dropped as the words they misspell."""
    # Words never kept in a compared name; their canonical forms too, since mapping happens first.
    dropped = LEGAL_FORM_WORDS | GENERIC_WORDS | STOPWORDS
    dropped = dropped | {singular(word) for word in dropped} | misspelt.legal_forms | misspelt.generic
    no_initial = LEGAL_FORM_WORDS | STOPWORDS
    no_initial = no_initial | {singular(word) for word in no_initial} | misspelt.legal_forms
    street_words = (
        f"list_transform({_words(_folded('street'))}, lambda w: coalesce({_map(STREET_ABBREVIATIONS)}[w], w))"
    )
    city = f"regexp_replace({_folded('city')}, '\\bcedex\\b.*$', '')"
    city = f"regexp_replace({city}, '\\s\\d+\\s*(e|er|eme)?\\s*$', '')"  # Lyon 03, Lyon 3ème
    city_words = f"list_transform({_words(city)}, lambda w: coalesce({_map(CITY_ABBREVIATIONS)}[w], w))"
    features = f"""
    WITH
    -- Cities and streets repeat: normalise each distinct value once.
    cities AS (
      SELECT city, nullif(array_to_string({city_words}, ' '), '') AS city_norm
      FROM (SELECT DISTINCT city FROM __input WHERE city IS NOT NULL)
    ),
    streets AS (
      SELECT street, nullif(array_to_string({street_words}, ' '), '') AS street_norm
      FROM (SELECT DISTINCT street FROM __input WHERE street IS NOT NULL)
    ),
    kept AS MATERIALIZED (
      SELECT *,
        list_filter(words, lambda w: NOT list_contains({_list(dropped)}, w)) AS kept_words,
        list_filter(words, lambda w: NOT list_contains({_list(no_initial)}, w)) AS kept_initial_words
      FROM __cleaned LEFT JOIN cities USING (city) LEFT JOIN streets USING (street)
    ),
    read AS (
      SELECT *,
        CASE
          WHEN phone_international AND left(phone_digits, 2) = '00' THEN '+' || substr(phone_digits, 3)
          WHEN phone_international THEN '+' || phone_digits
          WHEN country_code <> 'FR' THEN e164
          WHEN length(phone_digits) = 10 AND left(phone_digits, 1) = '0' THEN '+33' || substr(phone_digits, 2)
          WHEN length(phone_digits) = 9 AND left(phone_digits, 1) <> '0' THEN '+33' || phone_digits
          WHEN length(phone_digits) = 11 AND left(phone_digits, 2) = '33' THEN '+' || phone_digits
        END AS phone_e164
      FROM kept LEFT JOIN __foreign_phones USING (phone, country_code)
    ),
    named AS (
      SELECT *,
        {_without_trailing_forms("kept_words")} AS name_tokens,
        {_without_trailing_forms("kept_initial_words")} AS initial_words
      FROM read
    )
    SELECT
      record_id, organisation_id, organisation_given, name_raw, name_tokens,
      nullif(array_to_string(name_tokens, ' '), '') AS name_norm,
      CASE WHEN len(initial_words) >= 2
        THEN array_to_string(list_transform(initial_words, lambda w: w[1]), '') END AS name_initials,
      CASE WHEN siren_digits IS NOT NULL AND {_luhn_ok("siren_digits", 9)}
            AND siren_digits <> '{PLACEHOLDER_SIREN}' THEN siren_digits END AS siren_checked,
      CASE WHEN siret_digits IS NOT NULL AND left(siret_digits, 9) <> '{PLACEHOLDER_SIREN}'
            AND ({_luhn_ok("siret_digits", 14)}
             OR (left(siret_digits, 9) = '356000000' AND ({_digit_sum("siret_digits", 14)}) % 5 = 0))
        THEN siret_digits END AS siret,
      -- Only a French postcode is a French place: a US zip 60610 is not in the Oise. A foreign one keeps its
      -- country, so that it equals only the same postcode of the same country.
      CASE WHEN country_code <> 'FR' THEN country_code || '-' || postcode_text
           WHEN length(postcode_digits) = 5 THEN postcode_digits
           WHEN length(postcode_digits) = 4 THEN '0' || postcode_digits END AS postcode,
      country_code,
      departement_raw, city_norm, street_norm,
      email_clean AS email,
      CASE WHEN email_clean IS NOT NULL
            AND NOT list_contains({_list(WEBMAIL_DOMAINS)}, split_part(email_clean, '@', 2))
        THEN split_part(email_clean, '@', 2) END AS email_domain,
      CASE WHEN host LIKE '%.%' AND NOT list_contains({_list(SHARED_WEBSITE_HOSTS)}, host)
            AND NOT list_contains({_list(WEBMAIL_DOMAINS)}, host) THEN host END AS website_domain,
      -- The number in E.164 where the record's country's plan reads it (France in SQL, other countries
      -- through foreign_phones); otherwise its digits as written, a local number without its area code
      -- included: still the same number when typed alike, and compared on its last digits (phone_local).
      coalesce(
        CASE WHEN phone_e164 LIKE '+330%' AND length(phone_e164) = 13 THEN '+33' || substr(phone_e164, 5)
             WHEN length(phone_e164) BETWEEN 9 AND 16 THEN phone_e164 END,
        CASE WHEN length(phone_digits) BETWEEN 7 AND 15 THEN phone_digits END
      ) AS phone_as_read,
      CASE WHEN regexp_full_match(naf_clean, '[0-9]{{4}}[A-Z]')
        THEN left(naf_clean, 2) || '.' || substr(naf_clean, 3) END AS naf
    FROM named
    """
    # A phone that stands for none (grappe.france.placeholders) is dropped once it is read, as one value.
    return f"""
    SELECT * EXCLUDE (phone_as_read),
      CASE WHEN NOT {_placeholder_phone("phone_as_read")} THEN phone_as_read END AS phone_read
    FROM ({features})
    """


def _profile_counts(column: str, with_reference: bool) -> str:
    """How many distinct profiles hold each value of ``column`` that a record of this set holds."""
    held = f"SELECT {column}, profile FROM __f WHERE {column} IS NOT NULL"
    if with_reference:
        held += (
            f" UNION ALL SELECT {column}, profile FROM __reference"
            f" WHERE {column} IN (SELECT {column} FROM __f)"
        )
    return f"SELECT {column}, count(DISTINCT profile) AS n FROM ({held}) GROUP BY {column}"


def _shape_counts(with_reference: bool) -> str:
    """How many distinct name shapes hold each brand that a record of this set holds (BRAND_SHAPE_LETTERS)."""
    held = "SELECT name_brand, name_shape FROM __f WHERE name_brand IS NOT NULL"
    if with_reference:
        held += (
            " UNION ALL SELECT name_brand, name_shape FROM __reference"
            " WHERE name_brand IN (SELECT name_brand FROM __f)"
        )
    return f"SELECT name_brand, count(DISTINCT name_shape) AS n FROM ({held}) GROUP BY name_brand"


def _shared_contacts_dropped(with_reference: bool) -> list[str]:
    """Statements clearing from ``__f`` the e-mail addresses, domains and phones given by companies of
    ``SHARED_BY_BRANDS`` companies or more (counted with the registry's records, when there is one).

    Companies are told apart twice, and the value is shared only when both counts reach the threshold: by
    their brands (first word: « Kaliop Lyon », « Kaliop Paris » and « Kaliop Nantes » are one company's
    establishments, whose rarest words differ), and by their names' rarest words (« Duval Média », « Média
    Duval » and « Dubal Média » are one company written three ways, whose first words differ)."""
    brand = "coalesce(name_brand, name_norm)"
    rarest = "coalesce(name_token_1, name_norm)"
    statements = []
    for value, columns in (
        ("email", ("email",)),
        ("phone", ("phone",)),
        ("domain", ("email_domain", "website_domain")),
    ):
        # The registry's records count only for the values this set holds (a semi-join, not its million rows).
        mine = " UNION ".join(f"SELECT {column} FROM __f" for column in columns)
        held = " UNION ALL ".join(
            f"SELECT {column} AS v, {brand} AS brand, {rarest} AS rarest FROM {table} WHERE {column} IS NOT NULL"
            + (f" AND {column} IN ({mine})" if table == "__reference" else "")
            for table in (("__f", "__reference") if with_reference else ("__f",))
            for column in columns
        )
        shared = (
            f"SELECT v FROM ({held}) GROUP BY v "
            f"HAVING least(count(DISTINCT brand), count(DISTINCT rarest)) >= {SHARED_BY_BRANDS}"
        )
        statements.append(f"CREATE OR REPLACE TEMP TABLE __shared_{value} AS {shared}")
        statements.extend(
            f"UPDATE __f SET {column} = NULL{', phone_local = NULL' if column == 'phone' else ''} "
            f"WHERE {column} IN (SELECT v FROM __shared_{value})"
            for column in columns
        )
    # The domain the comparisons read is the site's, else the address's.
    statements.append("UPDATE __f SET domain = coalesce(website_domain, email_domain)")
    return statements


def _features_sql(settings: LinkageSettings, *, total: int, with_reference: bool) -> list[str]:
    """Statements building ``__features``: token weights, then blocking keys capped at max_block_size.

    Block sizes are counted with GROUP BY on narrow key columns and the few over-size keys removed with a
    semi-join: window counts over the wide feature rows cost ten times more.
    """
    tokens_select = ", ".join(f"toks[{i}] AS name_token_{i}" for i in range(1, TOP_TOKENS + 1))
    weights_select = ", ".join(f"ws[{i}] AS name_weight_{i}" for i in range(1, TOP_TOKENS + 1))
    # "+33 (0)4 77…" keeps a trunk zero after the country code: drop it.
    # A foreign record's place is its country (where it has a postcode or a town): another country is another
    # place, and a département
    # column is read for French records only.
    departement = (
        "CASE WHEN country_code = 'ZZ' THEN NULL "  # a country nobody could read: the place is unknown
        "WHEN country_code <> 'FR' AND coalesce(postcode, city_norm) IS NULL THEN NULL "
        "WHEN country_code <> 'FR' THEN country_code "
        "WHEN regexp_full_match(departement_raw, '[0-9]{1,3}|2A|2B') "
        "THEN CASE WHEN length(departement_raw) = 1 THEN '0' || departement_raw ELSE departement_raw END "
        "WHEN postcode IS NULL THEN NULL "
        "WHEN left(postcode, 2) = '97' THEN left(postcode, 3) "
        "WHEN left(postcode, 2) = '20' THEN CASE WHEN postcode < '20200' THEN '2A' ELSE '2B' END "
        "ELSE left(postcode, 2) END"
    )
    keys = []
    for index, rule in enumerate(settings.blocking_rules):
        raw = (
            f"CASE WHEN record_id = representative AND {' AND '.join(f'{c} IS NOT NULL' for c in rule)} THEN "
        )
        raw += f"(hash(concat_ws('|', {', '.join(rule)})) >> 1)::BIGINT END"
        keys.append(f"{raw} AS raw_key_{index}")
    statements = [
        f"""
    CREATE OR REPLACE TEMP TABLE __ranked AS
      -- Rarest first; ties by token so that both sides of a pair order them alike. (An unordered aggregate
      -- sorted per row is much cheaper than an ordered aggregate.)
      SELECT record_id,
        list_transform(sorted, lambda x: x.token) AS toks,
        list_transform(sorted, lambda x: -x.negative_weight) AS ws,
        name_weight_total
      FROM (
        SELECT record_id,
          list_sort(list(struct_pack(negative_weight := -weight, token := token))) AS sorted,
          sum(weight) AS name_weight_total
        FROM (
          SELECT t.record_id, t.token, ln(({total} + 1.0) / c.df) AS weight
          FROM __tokens t JOIN __counts c USING (token)
        )
        GROUP BY record_id
      )
    """,
        f"""
    CREATE OR REPLACE TEMP TABLE __f AS
    WITH f AS MATERIALIZED (
      SELECT
        b.record_id, b.organisation_id, b.profile, b.name_raw, b.name_norm,
        replace(b.name_norm, ' ', '') AS name_compact,
        b.name_initials,
        -- The brand (first kept word), the words after it, and the name's shape (brand + the next word's first letters), for
        -- the brand's frequency.
        CASE WHEN length(b.name_tokens[1]) >= 3 THEN b.name_tokens[1] END AS name_brand,
        nullif(array_to_string(b.name_tokens[2:], ' '), '') AS name_rest,
        CASE WHEN length(b.name_tokens[1]) >= 3
          THEN b.name_tokens[1] || ' ' || coalesce(left(b.name_tokens[2], {BRAND_SHAPE_LETTERS}), '') END
          AS name_shape,
        {tokens_select}, {weights_select}, r.name_weight_total,
        coalesce(b.siren_checked, left(b.siret, 9)) AS siren,
        b.siret, b.postcode, {departement} AS departement, b.city_norm, b.street_norm,
        b.email, b.email_domain, b.website_domain, coalesce(b.website_domain, b.email_domain) AS domain,
        b.phone_read AS phone,
        CASE WHEN length(regexp_replace(b.phone_read, '[^0-9]', '', 'g')) >= 7
          THEN right(regexp_replace(b.phone_read, '[^0-9]', '', 'g'), 7) END AS phone_local,
        b.country_code, b.naf,
        left(b.naf, 2) AS naf_division
      FROM __base b LEFT JOIN __ranked r USING (record_id)
    )
    SELECT *,
      CASE WHEN length(name_compact) >= 3 THEN left(name_compact, 4) END AS name_prefix,
      -- For blocking only: records without a postcode make a place of their own, so that a names-only list
      -- still blocks on the name's first letters (scoring treats the missing place as no evidence).
      coalesce(postcode, '-') AS postcode_block
    FROM f
    """,
        *_shared_contacts_dropped(with_reference),
        # One record per profile stands for all its copies: it alone gets blocking keys (so 300 copies of a
        # name are one record of a block, not 300) and the engine compares the copies to it once.
        "CREATE OR REPLACE TEMP TABLE __representatives AS "
        "SELECT profile, min(record_id) AS representative FROM __f GROUP BY profile",
        f"CREATE OR REPLACE TEMP TABLE __k AS SELECT record_id, representative, {', '.join(keys)} "
        "FROM __f JOIN __representatives USING (profile)",
    ]
    for column in FREQUENCY_COLUMNS:
        counts = (
            _shape_counts(with_reference)
            if column == "name_brand"
            else _profile_counts(column, with_reference)
        )
        statements.append(f"CREATE OR REPLACE TEMP TABLE __frequency_{column} AS {counts}")
    capped = []
    for index in range(len(settings.blocking_rules)):
        own = f"SELECT raw_key_{index} AS k, count(*) AS n FROM __k WHERE raw_key_{index} IS NOT NULL GROUP BY 1"
        if with_reference:
            own = f"""
            SELECT o.k, o.n + coalesce(r.n, 0) AS n FROM ({own}) o
            LEFT JOIN (SELECT bk_{index} AS k, count(*) AS n FROM __reference
                       WHERE bk_{index} IN (SELECT raw_key_{index} FROM __k) GROUP BY 1) r USING (k)
            """
        statements.append(
            f"CREATE OR REPLACE TEMP TABLE __over_{index} AS "
            f"SELECT k FROM ({own}) WHERE n > {settings.max_block_size}"
        )
        capped.append(
            f"CASE WHEN k.raw_key_{index} IN (SELECT k FROM __over_{index}) THEN NULL "
            f"ELSE k.raw_key_{index} END AS bk_{index}"
        )
    population = float(max(total, MIN_FREQUENCY_POPULATION))
    frequencies = ", ".join(f"coalesce(q_{c}.n, 0) / {population} AS tf_{c}" for c in FREQUENCY_COLUMNS)
    frequency_joins = " ".join(f"LEFT JOIN __frequency_{c} q_{c} USING ({c})" for c in FREQUENCY_COLUMNS)
    statements.append(
        f"""
    CREATE OR REPLACE TEMP TABLE __features AS
    SELECT f.*, k.representative, {frequencies}, {", ".join(capped)}
    FROM __f f JOIN __k k USING (record_id) {frequency_joins}
    """
    )
    return statements
