DROP FUNCTION export_json_cell(jsonb, boolean);
DROP FUNCTION export_pick(jsonb, text[]);
DROP FUNCTION export_json_item(jsonb);
DROP FUNCTION export_json(jsonb);
DROP FUNCTION export_json_number(text);
DROP FUNCTION export_json_string(text);
DROP FUNCTION export_text(text);
