"""Amazon Redshift's rules for the statements this project sends, transcribed from the Amazon Redshift Database
Developer Guide (each rule names its page) and checked on sqlglot's Redshift parse of one statement.

- `violations(sql)`: the rules one statement breaks, each as "[rule] what is wrong (page)"; empty when it passes.
- `forbidden_in_transaction(sql)`: why the statement cannot be part of a transaction block, or None.
- `transaction_violations(statements, session_tables)`: the rules a whole transaction breaks (the above, and the
  LOCK advice); `session_violations(transactions)` checks each transaction of one session.
- `lock_order_conflicts(transactions)`: pairs of tables that two transactions lock in opposite orders.

A rule marked "project" is not Redshift's but follows from one of its facts and how the project builds SQL
(sqlglot expressions, per /work/shared/notes/sqlglot.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.optimizer.scope import traverse_scope

DG = "https://docs.aws.amazon.com/redshift/latest/dg/"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- System views the project may read, with their documented columns ------------------------------------------
# A query naming a system relation missing here, or a column its page does not list, is a violation: transcribe
# the page (with its URL) before the library reads it.
SYSTEM_VIEWS: dict[str, frozenset[str]] = {
    # https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html (provisioned clusters only; `query`
    # is the id PG_LAST_COPY_ID returns)
    "stl_load_errors": _words(
        "userid slice tbl starttime session query filename line_number colname type col_length position raw_line"
        " raw_field_value err_code err_reason"
    ),
    # https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOADERROR_DETAIL.html (provisioned clusters only)
    "stl_loaderror_detail": _words(
        "userid slice session query filename line_number field colname value is_null type col_length"
    ),
    # https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_ERROR_DETAIL.html (provisioned and Serverless;
    # no raw line)
    "sys_load_error_detail": _words(
        "user_id query_id transaction_id session_id database_name table_id start_time file_name line_number"
        " column_name column_type column_length position error_code error_message"
    ),
    # https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_HISTORY.html
    "sys_load_history": _words(
        "user_id query_id transaction_id session_id database_name status table_name start_time end_time duration"
        " data_source file_format loaded_rows loaded_bytes source_file_count source_file_bytes file_count_scanned"
        " file_bytes_scanned error_count copy_job_id"
    ),
    # https://docs.aws.amazon.com/redshift/latest/dg/r_STV_DB_ISOLATION_LEVEL.html
    "stv_db_isolation_level": frozenset({"db_name", "isolation_level"}),
    # https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLE_INFO.html (superusers only; transcribed up to
    # skew_rows, the page lists more)
    "svv_table_info": _words(
        "database schema table_id table encoded diststyle sortkey1 max_varchar sortkey1_enc sortkey_num size"
        " pct_used empty unsorted stats_off tbl_rows skew_sortkey1 skew_rows"
    ),
    # https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_COLUMNS.html
    "svv_columns": _words(
        "table_catalog table_schema table_name column_name ordinal_position column_default is_nullable data_type"
        " character_maximum_length numeric_precision numeric_precision_radix numeric_scale datetime_precision"
        " interval_type interval_precision character_set_catalog character_set_schema character_set_name"
        " collation_catalog collation_schema collation_name domain_name remarks"
    ),
    # https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLES.html
    "svv_tables": _words("table_catalog table_schema table_name table_type remarks"),
    # https://docs.aws.amazon.com/redshift/latest/dg/r_PG_TABLE_DEF.html (only tables on the search_path)
    "pg_table_def": _words("schemaname tablename column type encoding distkey sortkey notnull"),
    # https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TRANSACTIONS.html
    "svv_transactions": _words("txn_owner txn_db xid pid txn_start lock_mode lockable_object_type relation granted"),
    # Redshift keeps PostgreSQL 8.0's information_schema (its queries appear in the guide, e.g.
    # https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html); the columns are PostgreSQL's:
    # https://www.postgresql.org/docs/8.0/infoschema-tables.html (the ones every version has)
    "information_schema.tables": frozenset({"table_catalog", "table_schema", "table_name", "table_type"}),
}
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog"}
SYSTEM_PREFIX = re.compile(r"^(stl|stv|svl|svv|svcs|sys|pg)_")

# Session functions the project may call, with their argument counts:
# https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_ID.html (-1 before any COPY in the session),
# https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_COUNT.html,
# https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_QUERY_ID.html,
# https://docs.aws.amazon.com/redshift/latest/dg/PG_BACKEND_PID.html
SYSTEM_FUNCTIONS = {"pg_last_copy_id": 0, "pg_last_copy_count": 0, "pg_last_query_id": 0, "pg_backend_pid": 0}

# --- Names: https://docs.aws.amazon.com/redshift/latest/dg/r_names.html ------------------------------------------
# 1 to 127 bytes; ASCII letters are folded to lowercase even in delimited identifiers, so the project generates
# lowercase ASCII names (project: a mixed-case name would not be the name Redshift stores).
MAX_NAME_BYTES = 127
GENERATED_NAME = re.compile(r"^[a-z_][a-z0-9_$]*$")
# https://docs.aws.amazon.com/redshift/latest/dg/r_pg_keywords.html: usable only as delimited identifiers.
RESERVED_WORDS = _words(
    "aes128 aes256 all allowoverwrite analyse analyze and any array as asc authorization az64 backup between binary"
    " blanksasnull both bytedict bzip2 case cast check collate column connect constraint create credentials cross"
    " current_date current_time current_timestamp current_user current_user_id default deferrable deflate defrag"
    " delta delta32k desc disable distinct do else emptyasnull enable encode encrypt encryption end except explicit"
    " false for foreign freeze from full globaldict256 globaldict64k grant group gzip having identity ignore ilike"
    " in initially inner intersect interval into is isnull join language leading left like limit localtime"
    " localtimestamp lun luns lzo lzop minus mostly16 mostly32 mostly8 natural new not notnull null nulls off"
    " offline offset oid old on only open or order outer overlaps parallel partition percent permissions pivot"
    " placing primary raw readratio recover references rejectlog resort respect restore right select session_user"
    " similar snapshot some sysdate system start table tag tdes text255 text32k then timestamp to top trailing"
    " true truncatecolumns union unique unnest unpivot user using verbose wallet when where with without"
)

# --- COPY: https://docs.aws.amazon.com/redshift/latest/dg/r_COPY-alphabetical-parm-list.html ---------------------
COPY_FLAGS = _words(
    "ACCEPTANYDATE BLANKSASNULL BZIP2 EMPTYASNULL ENCRYPTED ESCAPE EXPLICIT_IDS FILLRECORD GZIP IGNOREALLERRORS"
    " IGNOREBLANKLINES LZOP MANIFEST NOLOAD REMOVEQUOTES ROUNDEC TRIMBLANKS TRUNCATECOLUMNS ZSTD SHAPEFILE"
    " PARQUET ORC"
)
COPY_OPTIONAL_VALUE = frozenset({"COMPUPDATE", "STATUPDATE", "ACCEPTINVCHARS", "CSV", "AVRO"})
COPY_VALUED = _words(
    "JSON DELIMITER FIXEDWIDTH REGION MAXERROR TIMEFORMAT DATEFORMAT NULL ENCODING IGNOREHEADER COMPROWS READRATIO"
    " ACCESS_KEY_ID SECRET_ACCESS_KEY SESSION_TOKEN MASTER_SYMMETRIC_KEY QUOTE"
)
# https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html: one data format a COPY
COPY_FORMATS = frozenset({"CSV", "JSON", "AVRO", "PARQUET", "ORC", "FIXEDWIDTH", "SHAPEFILE"})
# https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html: "Only the following COPY
# parameters are supported" (authorization by IAM_ROLE or CREDENTIALS only); "ACCEPTANYDATE and MAXERROR aren't
# supported"; "COPY inserts values into the target table's columns in the same order as the columns occur in the
# columnar data files. The number of columns in the target table and the number of columns in the data file must
# match"; the REGION parameter is not supported.
COLUMNAR = frozenset({"PARQUET", "ORC"})
COLUMNAR_OPTIONS = COLUMNAR | frozenset({"ACCEPTINVCHARS", "FILLRECORD", "STATUPDATE", "MANIFEST", "EXPLICIT_IDS"})
# https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html#copy-encoding
COPY_ENCODINGS = frozenset({"UTF8", "UTF16", "UTF16LE", "UTF16BE"})
COPY_COMPRESSION = frozenset({"GZIP", "BZIP2", "LZOP", "ZSTD"})
# https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html#copy-json
JSON_MATCHES = frozenset({"auto", "auto ignorecase"})
# https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html#copy-timeformat
TIME_KEYWORDS = frozenset({"auto", "epochsecs", "epochmillisecs"})
# https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-load.html#copy-maxerror
MAX_ERRORS = 100_000

# --- CREATE TABLE: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html --------------------------
DISTSTYLES = frozenset({"AUTO", "EVEN", "KEY", "ALL"})
MAX_COLUMNS = 1600
MAX_COMPOUND_SORTKEY = 400
# https://docs.aws.amazon.com/redshift/latest/dg/c_Supported_data_types.html, by sqlglot's name for each type
TYPES = {
    exp.DataType.Type.SMALLINT: "SMALLINT",
    exp.DataType.Type.INT: "INTEGER",
    exp.DataType.Type.BIGINT: "BIGINT",
    exp.DataType.Type.DECIMAL: "DECIMAL",
    exp.DataType.Type.FLOAT: "REAL",
    exp.DataType.Type.DOUBLE: "DOUBLE PRECISION",
    exp.DataType.Type.BOOLEAN: "BOOLEAN",
    exp.DataType.Type.CHAR: "CHAR",
    exp.DataType.Type.VARCHAR: "VARCHAR",
    exp.DataType.Type.DATE: "DATE",
    exp.DataType.Type.TIMESTAMP: "TIMESTAMP",
    exp.DataType.Type.TIMESTAMPTZ: "TIMESTAMPTZ",
    exp.DataType.Type.TIME: "TIME",
    exp.DataType.Type.TIMETZ: "TIMETZ",
    exp.DataType.Type.VARBINARY: "VARBYTE",
    exp.DataType.Type.SUPER: "SUPER",
    exp.DataType.Type.GEOMETRY: "GEOMETRY",
    exp.DataType.Type.GEOGRAPHY: "GEOGRAPHY",
}
# https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html: accepted, but silently narrowed
CONVERTED_TYPES = {exp.DataType.Type.TEXT: "VARCHAR(256)", exp.DataType.Type.BPCHAR: "CHAR(256)"}
MAX_LENGTH = {"VARCHAR": 65535, "CHAR": 4096}
# https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html
MAX_DECIMAL_PRECISION = 38
# https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html: the types each encoding supports
_NUMBERS = {"SMALLINT", "INTEGER", "BIGINT", "DECIMAL"}
_TIMES = {"DATE", "TIMESTAMP", "TIMESTAMPTZ"}
_FLOATS = {"REAL", "DOUBLE PRECISION"}
_TEXT = {"CHAR", "VARCHAR"}
ENCODINGS: dict[str, frozenset[str] | None] = {
    "RAW": None,  # every type
    "AZ64": frozenset(_NUMBERS | _TIMES),
    "BYTEDICT": frozenset(_NUMBERS | _FLOATS | _TEXT | _TIMES),
    "DELTA": frozenset(_NUMBERS | {"DATE", "TIMESTAMP"}),
    "DELTA32K": frozenset({"INTEGER", "BIGINT", "DECIMAL", "DATE", "TIMESTAMP"}),
    "LZO": frozenset(_NUMBERS | _TEXT | _TIMES),
    "MOSTLY8": frozenset(_NUMBERS),
    "MOSTLY16": frozenset({"INTEGER", "BIGINT", "DECIMAL"}),
    "MOSTLY32": frozenset({"BIGINT", "DECIMAL"}),
    "RUNLENGTH": frozenset(_NUMBERS | _FLOATS | {"BOOLEAN"} | _TEXT | _TIMES),
    "TEXT255": frozenset({"VARCHAR"}),
    "TEXT32K": frozenset({"VARCHAR"}),
    "ZSTD": frozenset(_NUMBERS | _FLOATS | {"BOOLEAN"} | _TEXT | _TIMES),
}

# Statements sqlglot keeps as a Command (text) that the project may send.
COMMANDS = frozenset({"LOCK", "VACUUM", "ALTER"})
_SQLGLOT_LOG = logging.getLogger("sqlglot")


def parse(sql: str) -> exp.Expression:
    """One Redshift statement as sqlglot reads it; ValueError when it is not exactly one statement."""
    quiet, _SQLGLOT_LOG.disabled = _SQLGLOT_LOG.disabled, True  # its Command fallback warning: reported below
    try:
        statements = [s for s in sqlglot.parse(sql, read="redshift") if s is not None]
    except ParseError as error:
        raise ValueError(f"sqlglot cannot parse it as Redshift: {str(error).splitlines()[0]}") from error
    finally:
        _SQLGLOT_LOG.disabled = quiet
    if len(statements) != 1:
        raise ValueError(f"expected one statement, got {len(statements)}")
    return statements[0]


def violations(sql: str) -> list[str]:
    """Every rule below that the statement breaks."""
    try:
        tree = parse(sql)
    except ValueError as error:
        return [f"[parse] {error} (project: statements are built as sqlglot expressions)"]
    found: list[str] = []
    if isinstance(tree, exp.Command) and tree.name.upper() not in COMMANDS:
        found.append(
            f"[parse] sqlglot reads this {tree.name.upper()} as an opaque Command, so none of its parts can be "
            "checked or built as expressions (project)"
        )
    found += _names(tree)
    found += _system_relations(tree)
    if isinstance(tree, exp.Copy):
        found += _copy(tree)
    elif isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
        found += _create_table(tree)
    elif isinstance(tree, exp.Merge):
        found += _merge(tree)
    elif isinstance(tree, exp.Alter):
        found += _alter_table(tree)
    elif isinstance(tree, exp.Comment):
        found += _comment(tree)
    return found


# --- names ----------------------------------------------------------------------------------------------------


def _names(tree: exp.Expression) -> list[str]:
    found = []
    for ident in tree.find_all(exp.Identifier):
        if isinstance(ident.parent, exp.Placeholder):
            continue  # %(name)s: a bound parameter's name, not an identifier the server sees
        name = ident.name
        if len(name.encode()) > MAX_NAME_BYTES:
            found.append(f"[name] {name[:40]}... is longer than {MAX_NAME_BYTES} bytes ({DG}r_names.html)")
        if not GENERATED_NAME.match(name):
            found.append(
                f"[name] {name!r} is not lowercase ASCII: Redshift folds names to lowercase ({DG}r_names.html)"
            )
        if not ident.quoted and name.lower() in RESERVED_WORDS:
            found.append(f"[name] {name!r} is a reserved word and must be quoted ({DG}r_pg_keywords.html)")
    return found


# --- system views and functions -------------------------------------------------------------------------------


def system_relation(table: exp.Table) -> str | None:
    """The key of a system view or catalog table (e.g. 'sys_load_error_detail', 'information_schema.tables')."""
    name, db = table.name.lower(), table.db.lower()
    if db in SYSTEM_SCHEMAS:
        return f"{db}.{name}" if db == "information_schema" else name
    return name if not db and SYSTEM_PREFIX.match(name) else None


def _system_relations(tree: exp.Expression) -> list[str]:
    found = []
    for table in tree.find_all(exp.Table):
        key = system_relation(table)
        if key is not None and key not in SYSTEM_VIEWS:
            found.append(f"[system-view] {key} is not in SYSTEM_VIEWS: transcribe its documented columns first")
    for func in tree.find_all(exp.Anonymous):
        name = func.name.lower()
        if name.startswith("pg_"):
            if name not in SYSTEM_FUNCTIONS:
                found.append(f"[system-function] {name} is not in SYSTEM_FUNCTIONS: check its page first")
            elif len(func.expressions) != SYSTEM_FUNCTIONS[name]:
                found.append(f"[system-function] {name} takes {SYSTEM_FUNCTIONS[name]} argument(s)")
    if not isinstance(tree, exp.Query):
        return found
    for scope in traverse_scope(tree):
        selects = scope.expression.selects if isinstance(scope.expression, exp.Select) else []
        aliases = {s.alias for s in selects if isinstance(s, exp.Alias)}  # may be named in ORDER BY
        views = {
            alias: key
            for alias, source in scope.sources.items()
            if isinstance(source, exp.Table) and (key := system_relation(source)) in SYSTEM_VIEWS
        }
        if not views:
            continue
        for column in scope.columns:
            if column.table:
                candidates = [views[column.table]] if column.table in views else []
            elif len(views) == len(scope.sources) and column.name not in aliases:
                candidates = list(views.values())
            else:
                candidates = []
            if candidates and not any(column.name.lower() in SYSTEM_VIEWS[key] for key in candidates):
                found.append(
                    f"[system-view] {' or '.join(candidates)} has no column {column.name!r} "
                    f"({_view_page(candidates[0])})"
                )
    return found


def _view_page(key: str) -> str:
    if key.startswith("information_schema."):
        return "https://www.postgresql.org/docs/8.0/infoschema-tables.html"
    return f"{DG}{'' if key.startswith('sys_') else 'r_'}{key.upper()}.html"


# --- COPY -----------------------------------------------------------------------------------------------------


def copy_option(param: exp.CopyParameter) -> str:
    """COPY option name as the parameter list spells it ('FORMAT AS JSON' -> 'JSON', 'NULL AS' -> 'NULL')."""
    name = " ".join(param.this.name.upper().split())
    name = re.sub(r"^FORMAT\s+(AS\s+)?", "", name)
    return re.sub(r"\s+AS$", "", name)


def _copy(copy: exp.Copy) -> list[str]:
    found = []
    params = copy.args.get("params") or []
    options: dict[str, exp.Expression | None] = {}
    for param in params:
        name, value = copy_option(param), param.expression
        if name == "FORMAT" and isinstance(value, exp.Var):  # sqlglot's parse of FORMAT [AS] CSV | PARQUET | ...
            name, value = value.name.upper(), None
        if name in COPY_FLAGS:
            if isinstance(value, exp.Var) and value.name.upper() in COPY_FLAGS:  # two flags in a row: harmless
                options[value.name.upper()] = None
            elif value is not None:
                found.append(
                    f"[copy] flag {name} is followed by {value.sql('redshift')}: sqlglot reads it as {name}'s "
                    "value; put flags after every valued option (project: /work/shared/notes/sqlglot.md)"
                )
        elif name in COPY_VALUED and value is None:
            found.append(f"[copy] {name} needs a value ({DG}r_COPY-alphabetical-parm-list.html)")
        elif name not in COPY_FLAGS | COPY_VALUED | COPY_OPTIONAL_VALUE:
            found.append(f"[copy] {name} is not a COPY option ({DG}r_COPY-alphabetical-parm-list.html)")
        options[name] = value
    found += _copy_auth(copy, options)
    if "MANIFEST" in options:  # https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-source-s3.html
        files = copy.args.get("files") or []
        urls = [f.name for f in files if isinstance(f, exp.Literal) and f.is_string]
        if len(files) != 1 or len(urls) != 1 or not urls[0].startswith("s3://") or urls[0].endswith("/"):
            found.append(
                "[copy] with MANIFEST, FROM must name one manifest object 's3://bucket/key', not a prefix "
                f"({DG}copy-parameters-data-source-s3.html#copy-manifest-file)"
            )
    json = options.get("JSON")
    if json is not None:
        text = json.name if isinstance(json, exp.Literal) and json.is_string else json.sql("redshift")
        if text not in JSON_MATCHES and not text.startswith("s3://"):
            found.append(
                f"[copy] FORMAT AS JSON {text!r}: use 'auto', 'auto ignorecase' or a JSONPaths object "
                f"'s3://...' ({DG}copy-parameters-data-format.html#copy-json)"
            )
    timeformat = options.get("TIMEFORMAT")
    if isinstance(timeformat, exp.Literal) and timeformat.name.lower() in TIME_KEYWORDS - {timeformat.name}:
        found.append(
            f"[copy] TIMEFORMAT {timeformat.name!r}: 'auto', 'epochsecs' and 'epochmillisecs' are case-sensitive "
            f"({DG}copy-parameters-data-conversion.html#copy-timeformat)"
        )
    maxerror = options.get("MAXERROR")
    if maxerror is not None and not (
        isinstance(maxerror, exp.Literal) and maxerror.is_int and 0 <= int(maxerror.name) <= MAX_ERRORS
    ):
        found.append(
            f"[copy] MAXERROR {maxerror.sql('redshift')}: an integer from 0 to {MAX_ERRORS} "
            f"({DG}copy-parameters-data-load.html#copy-maxerror)"
        )
    region = options.get("REGION")
    if region is not None and not (isinstance(region, exp.Literal) and region.is_string):
        found.append(f"[copy] REGION takes a quoted region name ({DG}copy-parameters-data-source-s3.html)")
    if len(COPY_COMPRESSION & options.keys()) > 1:
        found.append(
            f"[copy] at most one of {', '.join(sorted(COPY_COMPRESSION))} ({DG}copy-parameters-file-compression.html)"
        )
    return found + _copy_format(copy, [n for n in options], options)


def _copy_format(copy: exp.Copy, names: list[str], options: dict[str, exp.Expression | None]) -> list[str]:
    """The data format's own rules: one format; CSV's QUOTE, IGNOREHEADER and ENCODING; what a COPY of Parquet or
    ORC may say."""
    found = []
    page = f"{DG}copy-parameters-data-format.html"
    formats = [n for n in names if n in COPY_FORMATS]
    if len(formats) > 1:
        found.append(f"[copy] one data format, found {', '.join(formats)} ({page})")
    if "QUOTE" in names and (names.index("QUOTE") == 0 or names[names.index("QUOTE") - 1] != "CSV"):
        found.append(f"[copy] QUOTE belongs to CSV and follows it: CSV [ QUOTE [AS] 'character' ] ({page}#copy-csv)")
    conversion = f"{DG}copy-parameters-data-conversion.html"
    header = options.get("IGNOREHEADER")
    if header is not None and not (isinstance(header, exp.Literal) and header.is_int):
        found.append(f"[copy] IGNOREHEADER takes a number of rows ({conversion}#copy-ignoreheader)")
    encoding = options.get("ENCODING")
    if encoding is not None and encoding.name.upper() not in COPY_ENCODINGS:
        found.append(f"[copy] ENCODING is one of {', '.join(sorted(COPY_ENCODINGS))} ({conversion}#copy-encoding)")
    if COLUMNAR & set(names):
        columnar = f"{DG}copy-usage_notes-copy-from-columnar.html"
        refused = [n for n in names if n not in COLUMNAR_OPTIONS]
        if refused:
            found.append(f"[copy] a COPY from Parquet or ORC does not take {', '.join(refused)} ({columnar})")
        if isinstance(copy.this, exp.Schema):
            found.append(
                f"[copy] a COPY from Parquet or ORC fills the table's columns in the file's order: no column list "
                f"({columnar})"
            )
    return found


def _copy_auth(copy: exp.Copy, options: dict[str, exp.Expression | None]) -> list[str]:
    """https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-authorization.html: exactly one of IAM_ROLE,
    ACCESS_KEY_ID + SECRET_ACCESS_KEY [+ SESSION_TOKEN], or CREDENTIALS."""
    page = f"{DG}copy-parameters-authorization.html"
    credentials = copy.args.get("credentials")
    forms = []
    if credentials is not None and credentials.args.get("iam_role") is not None:
        forms.append("IAM_ROLE")
    if credentials is not None and credentials.args.get("credentials") is not None:
        forms.append("CREDENTIALS")
    keys = {"ACCESS_KEY_ID", "SECRET_ACCESS_KEY"} & options.keys()
    if keys:
        forms.append("ACCESS_KEY_ID/SECRET_ACCESS_KEY")
    found = []
    if len(forms) != 1:
        found.append(f"[copy] exactly one authorization form, found {forms or 'none'} ({page})")
    if keys and len(keys) != 2:
        found.append(f"[copy] ACCESS_KEY_ID and SECRET_ACCESS_KEY go together ({page}#copy-access-key-id)")
    if "SESSION_TOKEN" in options and not keys:
        found.append(f"[copy] SESSION_TOKEN only with ACCESS_KEY_ID and SECRET_ACCESS_KEY ({page}#copy-token)")
    return found


# --- CREATE TABLE ---------------------------------------------------------------------------------------------


def redshift_type(datatype: exp.DataType) -> str | None:
    """The Redshift type name of a sqlglot type, or None when Redshift has no such type."""
    return TYPES.get(datatype.this)


def _create_table(create: exp.Create) -> list[str]:
    page = f"{DG}r_CREATE_TABLE_NEW.html"
    found = []
    schema = create.this if isinstance(create.this, exp.Schema) else None
    table = schema.this if schema is not None else create.this
    columns = [c for c in (schema.expressions if schema is not None else []) if isinstance(c, exp.ColumnDef)]
    names = {c.name.lower() for c in columns}
    properties = create.args.get("properties")
    props = properties.expressions if properties is not None else []
    temporary = any(isinstance(p, exp.TemporaryProperty) for p in props)
    if temporary and isinstance(table, exp.Table) and table.db:
        found.append(f"[create-table] a temporary table cannot name a schema ({page}#create-table-temporary)")
    like = schema is not None and any(isinstance(e, exp.LikeProperty) for e in schema.expressions)
    diststyle = next((p.this.name.upper() for p in props if isinstance(p, exp.DistStyleProperty)), None)
    distkeys = [p for p in props if isinstance(p, exp.DistKeyProperty)]
    sortkeys = [p for p in props if isinstance(p, exp.SortKeyProperty)]
    if like and (diststyle or distkeys or sortkeys or any(isinstance(p, exp.BackupProperty) for p in props)):
        found.append(
            "[create-table] CREATE TABLE ... LIKE inherits distribution, sort keys and BACKUP and cannot set them "
            f"({page}#create-table-like)"
        )
    if diststyle is not None and diststyle not in DISTSTYLES:
        found.append(f"[create-table] DISTSTYLE {diststyle} is not one of {sorted(DISTSTYLES)} ({page})")
    if diststyle == "KEY" and not distkeys:
        found.append(f"[create-table] DISTSTYLE KEY needs a DISTKEY column ({page})")
    for distkey in distkeys:
        keys = distkey.expressions or [distkey.this]
        if len(keys) != 1 or len(distkeys) != 1:
            found.append(f"[create-table] only one column can be the distribution key ({page})")
        if diststyle not in (None, "KEY"):
            found.append(f"[create-table] with DISTKEY, DISTSTYLE must be KEY or not set ({page})")
        found += [
            f"[create-table] DISTKEY column {k.name!r} is not a column of the table ({page})"
            for k in keys
            if columns and k.name.lower() not in names
        ]
    for sortkey in sortkeys:
        keys = sortkey.this if isinstance(sortkey.this, list) else [sortkey.this]
        if len(keys) > MAX_COMPOUND_SORTKEY:
            found.append(f"[create-table] at most {MAX_COMPOUND_SORTKEY} sort key columns ({page})")
        found += [
            f"[create-table] SORTKEY column {k.name!r} is not a column of the table ({page})"
            for k in keys
            if columns and k.name.lower() not in names
        ]
    for backup in (p for p in props if isinstance(p, exp.BackupProperty)):
        if backup.this.name.upper() not in ("YES", "NO"):
            found.append(f"[create-table] BACKUP takes YES or NO ({page}#create-table-backup)")
    if len(columns) > MAX_COLUMNS:
        found.append(f"[create-table] at most {MAX_COLUMNS} columns ({page})")
    for column in columns:
        found += _column(column)
    for key in create.find_all(exp.ForeignKey):
        found += _foreign_key(key, names)
    return found


def _foreign_key(key: exp.ForeignKey, names: set[str]) -> list[str]:
    """FOREIGN KEY (column_name [, ... ]) REFERENCES reftable [ ( refcolumn ) ]: informational only
    (https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html); the project names the referenced
    columns, one per column, and the constraint (so that it can be dropped by name)."""
    page = f"{DG}r_CREATE_TABLE_NEW.html"
    found = []
    reference = key.args.get("reference")
    referenced = reference.this.expressions if reference is not None and isinstance(reference.this, exp.Schema) else []
    if len(referenced) != len(key.expressions):
        found.append(f"[foreign-key] REFERENCES names one referenced column per column ({page})")
    found += [
        f"[foreign-key] {c.name!r} is not a column of the table ({page})"
        for c in key.expressions
        if names and c.name.lower() not in names
    ]
    if not isinstance(key.parent, exp.Constraint) or not key.parent.name:
        found.append(f"[foreign-key] name the constraint: CONSTRAINT name FOREIGN KEY ... (project; {page})")
    return found


def _column(column: exp.ColumnDef) -> list[str]:
    kind = column.args.get("kind")
    if kind is None:
        return []
    name, found = column.name, []
    if kind.this in CONVERTED_TYPES:
        found.append(
            f"[type] {name}: {kind.sql('redshift')} becomes {CONVERTED_TYPES[kind.this]} in a Redshift table; "
            f"declare the length ({DG}r_Character_types.html#r_Character_types-text-and-bpchar-types)"
        )
        return found
    rs_type = redshift_type(kind)
    if rs_type is None:
        return [f"[type] {name}: Redshift has no type {kind.sql('redshift')} ({DG}c_Supported_data_types.html)"]
    params = [p.name for p in kind.expressions]
    length = params[0] if rs_type in MAX_LENGTH and params and params[0].upper() != "MAX" else None
    if length is not None and not (length.isdigit() and 1 <= int(length) <= MAX_LENGTH[rs_type]):
        found.append(
            f"[type] {name}: {rs_type} length is 1 to {MAX_LENGTH[rs_type]} bytes ({DG}r_Character_types.html)"
        )
    if rs_type == "DECIMAL" and params:
        precision, scale = int(params[0]), int(params[1]) if len(params) > 1 else 0
        if not 1 <= precision <= MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
            found.append(
                f"[type] {name}: DECIMAL precision is at most {MAX_DECIMAL_PRECISION} and scale at most the "
                f"precision ({DG}r_Numeric_types201.html)"
            )
    for constraint in column.args.get("constraints") or []:
        if isinstance(constraint.kind, exp.EncodeColumnConstraint):
            encoding = constraint.kind.name.upper()
            if encoding not in ENCODINGS:
                found.append(
                    f"[encode] {name}: {encoding} is not a compression encoding ({DG}c_Compression_encodings.html)"
                )
            elif (allowed := ENCODINGS[encoding]) is not None and rs_type not in allowed:
                found.append(
                    f"[encode] {name}: {encoding} does not support {rs_type} ({DG}c_Compression_encodings.html)"
                )
    return found


# --- MERGE ----------------------------------------------------------------------------------------------------


def _merge(merge: exp.Merge) -> list[str]:
    """https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html"""
    page = f"{DG}r_MERGE.html"
    found = []
    target, source = merge.this, merge.args.get("using")
    if merge.args.get("with_") is not None:
        found.append(f"[merge] MERGE cannot have a WITH clause ({page})")
    if not isinstance(target, exp.Table) or target.alias:
        found.append(f"[merge] the target is a table without an alias ({page})")
    if not isinstance(source, exp.Table):
        found.append(f"[merge] the source is a table, not a subquery or view ({page})")
    elif isinstance(target, exp.Table) and (source.name, source.db) == (target.name, target.db):
        found.append(f"[merge] source and target cannot be the same table ({page})")
    condition = merge.args.get("on")
    predicates = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    if not all(isinstance(p, exp.EQ) for p in predicates):
        found.append(f"[merge] the match condition is equal predicates joined by AND ({page})")
    whens = merge.args.get("whens")
    clauses = list(whens.expressions) if whens is not None else []
    matched = [w for w in clauses if w.args.get("matched")]
    not_matched = [w for w in clauses if not w.args.get("matched")]
    if len(matched) != 1 or len(not_matched) != 1:
        found.append(f"[merge] one WHEN MATCHED and one WHEN NOT MATCHED clause (or REMOVE DUPLICATES) ({page})")
    for when in clauses:
        if when.args.get("condition") is not None or when.args.get("source"):
            found.append(f"[merge] WHEN clauses take no AND condition and no BY SOURCE/TARGET ({page})")
        action = when.args.get("then")
        if when.args.get("matched") and isinstance(action, exp.Update):
            if any(isinstance(e.this, exp.Column) and e.this.table for e in action.expressions):
                found.append(f"[merge] UPDATE SET names columns without their table ({page})")
        elif when.args.get("matched") and not (isinstance(action, exp.Var) and action.name.upper() == "DELETE"):
            found.append(f"[merge] WHEN MATCHED THEN UPDATE or DELETE ({page})")
        if not when.args.get("matched"):
            if not isinstance(action, exp.Insert):
                found.append(f"[merge] WHEN NOT MATCHED THEN INSERT ({page})")
            elif not (isinstance(action.this, exp.Tuple) and isinstance(action.expression, exp.Tuple)):
                found.append(
                    "[merge] INSERT without a column list: sqlglot renders it wrongly; always list the columns "
                    "(project: /work/shared/notes/sqlglot.md)"
                )
    return found


# --- ALTER TABLE ----------------------------------------------------------------------------------------------


def _alter_table(alter: exp.Alter) -> list[str]:
    """https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html"""
    page = f"{DG}r_ALTER_TABLE.html"
    found = []
    actions = alter.args.get("actions") or []
    added = [a for a in actions if isinstance(a, exp.ColumnDef)]
    if len(added) > 1:
        found.append(f"[alter-table] ADD COLUMN adds one column per statement ({page})")
    for column in added:
        kinds = [c.kind for c in column.args.get("constraints") or []]
        banned = (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint, exp.Reference)
        if any(isinstance(k, (*banned, exp.GeneratedAsIdentityColumnConstraint)) for k in kinds):
            found.append(f"[alter-table] ADD COLUMN cannot add a key, REFERENCES or IDENTITY ({page})")
        found += _column(column)
    for action in actions:
        found += [f for key in action.find_all(exp.ForeignKey) for f in _foreign_key(key, set())]
        dtype = action.args.get("dtype") if isinstance(action, exp.AlterColumn) else None
        if dtype is not None and dtype.this != exp.DataType.Type.VARCHAR:
            found.append(f"[alter-table] ALTER COLUMN TYPE only changes the size of a VARCHAR ({page})")
    return found


# --- COMMENT: https://docs.aws.amazon.com/redshift/latest/dg/r_COMMENT.html -----------------------------------------
COMMENT_OBJECTS = frozenset({"TABLE", "COLUMN", "CONSTRAINT", "DATABASE", "VIEW", "SCHEMA"})


def _comment(comment: exp.Comment) -> list[str]:
    page = f"{DG}r_COMMENT.html"
    found = []
    kind = (comment.args.get("kind") or "").upper()
    if kind not in COMMENT_OBJECTS:
        found.append(f"[comment] COMMENT ON {kind} is not supported: {', '.join(sorted(COMMENT_OBJECTS))} ({page})")
    if kind == "COLUMN" and not (isinstance(comment.this, exp.Column) and comment.this.table):
        found.append(f"[comment] COMMENT ON COLUMN names the column as object_name.column_name ({page})")
    text = comment.expression
    if not (isinstance(text, exp.Literal) and text.is_string):
        found.append(f"[comment] the comment is text in single quotation marks, or NULL ({page})")
    return found


# --- transactions ---------------------------------------------------------------------------------------------

_FORBIDDEN = [  # (statement start, reason, page): what cannot run inside BEGIN ... END, or commits it
    (r"VACUUM\b", "VACUUM cannot run inside a transaction block", "r_VACUUM_command.html"),
    (r"ALTER\s+TABLE\s+\S+\s+APPEND\b", "ALTER TABLE APPEND cannot run inside a transaction block and commits",
     "r_ALTER_TABLE_APPEND.html"),
    (r"CREATE\s+DATABASE\b", "CREATE DATABASE cannot run inside a transaction block", "r_CREATE_DATABASE.html"),
    (r"DROP\s+DATABASE\b", "DROP DATABASE cannot run inside a transaction block", "r_DROP_DATABASE.html"),
    (r"ALTER\s+DATABASE\b.*\bISOLATION\s+LEVEL\b", "the isolation level cannot change inside a transaction block",
     "r_ALTER_DATABASE.html"),
    (r"(CREATE|DROP)\s+LIBRARY\b", "CREATE/DROP LIBRARY cannot run inside a transaction block",
     "r_CREATE_LIBRARY.html"),
    (r"(CREATE|DROP|ALTER)\s+EXTERNAL\s+TABLE\b", "external tables cannot change inside a transaction block",
     "r_SVL_MULTI_STATEMENT_VIOLATIONS.html"),
    (r"TRUNCATE\b", "TRUNCATE commits the transaction it runs in (and cannot be rolled back)", "r_TRUNCATE.html"),
    (r"(COMMIT|END|ROLLBACK|ABORT)\b", "ends the transaction: commit or roll back through the driver",
     "r_END.html"),
]  # fmt: skip


def forbidden_in_transaction(sql: str) -> str | None:
    """Why this statement cannot be one of a transaction's statements, or None."""
    text = " ".join(sql.split()).upper()
    for pattern, reason, page in _FORBIDDEN:
        if re.match(pattern, text):
            return f"[transaction] {reason} ({DG}{page})"
    try:
        tree = parse(sql)
    except ValueError:
        return None
    actions = tree.args.get("actions") or [] if isinstance(tree, exp.Alter) else []
    if any(isinstance(a, exp.AlterColumn) and a.args.get("dtype") for a in actions):
        return f"[transaction] ALTER COLUMN ... TYPE cannot run inside a transaction block ({DG}r_ALTER_TABLE.html)"
    return None


def locked_tables(sql: str) -> list[str] | None:
    """The tables a LOCK statement locks, in order (lowercase 'schema.name' or 'name'); None if not a LOCK.
    https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html: LOCK [ TABLE ] name [, ...]"""
    text = " ".join(sql.split())
    match = re.match(r"(?i)LOCK\s+(TABLE\s+)?(.+?);?$", text)
    if not match:
        return None
    return [_table_key(exp.to_table(name.strip(), dialect="redshift")) for name in match.group(2).split(",")]


def _table_key(table: exp.Table) -> str:
    return ".".join(p.lower() for p in (table.db, table.name) if p)


def transaction_violations(statements: Iterable[str], session_tables: Iterable[str] = ()) -> list[str]:
    """The rules a transaction (its statements in order, BEGIN and COMMIT excluded) breaks. When it takes LOCKs,
    https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation.html asks to lock every table it reads or
    writes, at the start, before any other statement. Exempt: tables it creates itself, and `session_tables`,
    temporary tables an earlier transaction of the session created (no other session sees them: "you can't
    specify a schema name" for one, it lives in a schema of its session, DG r_CREATE_TABLE_NEW.html)."""
    statements = list(statements)
    found = [
        f"statement {i + 1}: {reason}"
        for i, sql in enumerate(statements)
        if (reason := forbidden_in_transaction(sql)) is not None
    ]
    locks = [locked_tables(sql) for sql in statements]
    if not any(locks):
        return found
    page = f"{DG}c_serial_isolation.html#c_serial_isolation-serializable-isolation-troubleshooting"
    first_other = next((i for i, lock in enumerate(locks) if lock is None), len(locks))
    if any(lock for lock in locks[first_other:]):
        found.append(f"[lock] LOCK every table at the start of the transaction, before any other statement ({page})")
    locked = {t for lock in locks if lock for t in lock}
    created: set[str] = set()
    touched: list[str] = []
    for sql, lock in zip(statements, locks, strict=True):
        if lock is not None:
            continue
        try:
            tree = parse(sql)
        except ValueError:
            continue
        if isinstance(tree, exp.Create) and isinstance(tree.find(exp.Table), exp.Table):
            created.add(_table_key(tree.find(exp.Table)))
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            key = _table_key(table)
            if table.name and system_relation(table) is None and key not in ctes and key not in touched:
                touched.append(key)
    unlocked = [t for t in touched if t not in locked and t not in created and t not in set(session_tables)]
    if unlocked:
        found.append(f"[lock] the transaction reads or writes {', '.join(unlocked)} without locking it ({page})")
    return found


def temporary_tables(statements: Iterable[str]) -> list[str]:
    """The temporary tables the statements create."""
    found = []
    for sql in statements:
        try:
            tree = parse(sql)
        except ValueError:
            continue
        if isinstance(tree, exp.Create) and any(True for _ in tree.find_all(exp.TemporaryProperty)):
            found.append(_table_key(tree.find(exp.Table)))
    return found


def session_violations(transactions: Iterable[Iterable[str]]) -> list[str]:
    """`transaction_violations` of each transaction of one session, in order, numbered from 1."""
    session: list[str] = []
    found = []
    for number, statements in enumerate(map(list, transactions), 1):
        found += [f"transaction {number}: {v}" for v in transaction_violations(statements, session)]
        session += temporary_tables(statements)
    return found


def lock_order_conflicts(transactions: Iterable[Iterable[str]]) -> list[str]:
    """Pairs of tables that one transaction locks in one order and another in the opposite order (the guide asks
    for one fixed order: c_serial_isolation.html)."""
    before: dict[tuple[str, str], int] = {}
    found = []
    for number, statements in enumerate(transactions, 1):
        order = [t for sql in statements for t in (locked_tables(sql) or [])]
        for i, first in enumerate(order):
            for second in order[i + 1 :]:
                if (second, first) in before:
                    found.append(
                        f"[lock] transactions {before[(second, first)]} and {number} lock {first} and {second} "
                        "in opposite orders"
                    )
                before.setdefault((first, second), number)
    return found
