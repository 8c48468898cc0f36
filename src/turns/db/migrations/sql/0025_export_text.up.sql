-- Export cells written by PostgreSQL (turns.exports.cells): COPY ... TO STDOUT (FORMAT csv)
-- of a query made of these gives, byte for byte, the CSV the application has always written.
-- They read nothing but their arguments: IMMUTABLE, run as the caller, RLS untouched.

-- A text cell: an empty text is no value (COPY would quote it as ""), and a text a
-- spreadsheet would run as a formula gets a leading ' (OWASP's CSV injection advice).
-- Its argument is used once, so the planner inlines it into the query (a SQL function it
-- cannot inline costs a call per cell).
CREATE FUNCTION export_text(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT nullif(regexp_replace(value, E'^([-=+@\t\r])', '''\1'), '')
$$;

-- A string as a JSON literal, non-ASCII characters escaped as \uXXXX (UTF-16 pairs beyond
-- the BMP), as Python's json.dumps writes it.
CREATE FUNCTION export_json_string(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN quoted ~ '^[ -~]*$' THEN quoted ELSE (
    SELECT string_agg(
      CASE
        WHEN ascii(c) < 127 THEN c
        WHEN ascii(c) < 65536 THEN '\u' || lpad(to_hex(ascii(c)), 4, '0')
        ELSE '\u' || to_hex(55296 + ((ascii(c) - 65536) >> 10)) || '\u' || to_hex(56320 + ((ascii(c) - 65536) & 1023))
      END, '' ORDER BY n)
    FROM regexp_split_to_table(quoted, '') WITH ORDINALITY AS t(c, n)
  ) END
  FROM (SELECT to_jsonb(value)::text AS quoted) AS literal
$$;

-- A JSON number with a fraction as Python reads it (a float) and writes it back (repr):
-- the shortest digits that read back to the same double, fixed from 1e-4 to below 1e16
-- (with at least one decimal), else d.ddde+XX.
CREATE FUNCTION export_json_number(value text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET extra_float_digits = 1 AS $$
DECLARE
  exact numeric := value::numeric;
  shortest text;
  negative boolean := value LIKE '-%';
  mantissa text;
  exponent int := 0;
  digits text;
  point int;
  written text;
BEGIN
  IF value !~ '[.eE]' THEN
    RETURN value;  -- an integer stays an integer
  END IF;
  IF abs(exact) >= 1.7976931348623158e308 THEN
    RETURN CASE WHEN negative THEN '-Infinity' ELSE 'Infinity' END;
  END IF;
  IF exact <> 0 AND abs(exact) < 2.4703282292062328e-324 THEN
    exact := 0;
  END IF;
  shortest := ltrim(exact::float8::text, '-');
  mantissa := split_part(shortest, 'e', 1);
  IF shortest LIKE '%e%' THEN
    exponent := split_part(shortest, 'e', 2)::int;
  END IF;
  digits := split_part(mantissa, '.', 1) || split_part(mantissa, '.', 2);
  point := length(split_part(mantissa, '.', 1)) + exponent - (length(digits) - length(ltrim(digits, '0')));
  digits := rtrim(ltrim(digits, '0'), '0');
  IF digits = '' THEN
    written := '0.0';
  ELSIF point > -4 AND point <= 16 THEN
    written := CASE
      WHEN point <= 0 THEN '0.' || repeat('0', -point) || digits
      WHEN point >= length(digits) THEN digits || repeat('0', point - length(digits)) || '.0'
      ELSE left(digits, point) || '.' || substr(digits, point + 1)
    END;
  ELSE
    written := left(digits, 1) || CASE WHEN length(digits) > 1 THEN '.' || substr(digits, 2) ELSE '' END
      || 'e' || CASE WHEN point - 1 < 0 THEN '-' ELSE '+' END || lpad(abs(point - 1)::text, 2, '0');
  END IF;
  RETURN CASE WHEN negative THEN '-' || written ELSE written END;
END
$$;

-- A JSON value as Python's json.dumps(value, sort_keys=True) writes what it read of it:
-- keys in code point order, ", " and ": " between items, ASCII only.
CREATE FUNCTION export_json(value jsonb) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  CASE jsonb_typeof(value)
    WHEN 'object' THEN
      RETURN '{' || coalesce((
        SELECT string_agg(export_json_string(key) || ': ' || export_json_item(item), ', ' ORDER BY key COLLATE "C")
        FROM jsonb_each(value) AS e(key, item)
      ), '') || '}';
    WHEN 'array' THEN
      RETURN '[' || coalesce((
        SELECT string_agg(export_json_item(item), ', ' ORDER BY n)
        FROM jsonb_array_elements(value) WITH ORDINALITY AS e(item, n)
      ), '') || ']';
    ELSE
      RETURN export_json_item(value);
  END CASE;
END
$$;

-- One item of a JSON value: scalars written inline (the common case, no function call),
-- objects and arrays by export_json.
CREATE FUNCTION export_json_item(item jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(item)
    WHEN 'string' THEN CASE WHEN item::text ~ '^[ -~]*$' THEN item::text ELSE export_json_string(item #>> '{}') END
    WHEN 'number' THEN CASE WHEN item::text ~ '^-?[0-9]+$' THEN item::text ELSE export_json_number(item::text) END
    WHEN 'boolean' THEN item::text
    WHEN 'null' THEN 'null'
    ELSE export_json(item)
  END
$$;

-- An object cut to the keys named (the columns a role reads of an audited table); anything
-- but an object is left as it is.
CREATE FUNCTION export_pick(value jsonb, keys text[]) RETURNS jsonb
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN jsonb_typeof(value) = 'object' THEN coalesce((
    SELECT jsonb_object_agg(key, item) FROM jsonb_each(value) AS e(key, item) WHERE key = ANY(keys)
  ), '{}') ELSE value END
$$;

-- A JSON cell (the audit log's values and metadata, an array column): an object or, raw, an
-- array as JSON; readable, an array's items joined by ", " (as Python's str shows them); a
-- string as a text cell; true/false (readable Yes/No); a number as Python writes it; a
-- JSON null as no value.
CREATE FUNCTION export_json_cell(value jsonb, readable boolean) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(value)
    WHEN 'null' THEN NULL
    WHEN 'string' THEN export_text(value #>> '{}')
    WHEN 'boolean' THEN CASE WHEN NOT readable THEN value::text WHEN value = 'true' THEN 'Yes' ELSE 'No' END
    WHEN 'array' THEN CASE WHEN NOT readable THEN export_json(value) ELSE nullif((
      SELECT string_agg(
        CASE jsonb_typeof(item)
          WHEN 'string' THEN item #>> '{}'
          WHEN 'boolean' THEN initcap(item::text)
          WHEN 'null' THEN 'None'
          ELSE export_json(item)
        END, ', ' ORDER BY n)
      FROM jsonb_array_elements(value) WITH ORDINALITY AS e(item, n)
    ), '') END
    ELSE export_json(value)
  END
$$;
