/*
 * Span attribute names used across the system: the OpenTelemetry HTTP and MCP / GenAI semantic
 * conventions, plus our own `sentraip.*`. Kept as literals so the main entry depends only on
 * `@opentelemetry/api`.
 */

/** JSON-RPC method of an MCP message, e.g. `tools/call`. */
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
/** Name of the tool being called. */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
/** MCP session id (spans only: logs redact session ids). */
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
/** Negotiated MCP protocol version. */
export const ATTR_MCP_PROTOCOL_VERSION = 'mcp.protocol.version';
/** Input tokens reported by the model provider. */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** Output tokens reported by the model provider. */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** SentraIP threat score (0–10) of the checked target. */
export const ATTR_SENTRAIP_RISK_SCORE = 'sentraip.risk_score';
/** HTTP request method. */
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
/** HTTP response status code. */
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
/** Matched route pattern (low cardinality), never the raw URL. */
export const ATTR_HTTP_ROUTE = 'http.route';
/** URL path of the request. */
export const ATTR_URL_PATH = 'url.path';
/** Host name of the server being called. */
export const ATTR_SERVER_ADDRESS = 'server.address';
