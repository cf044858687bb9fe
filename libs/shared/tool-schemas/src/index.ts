export const TOOL_SCHEMAS_VERSION = '1';
