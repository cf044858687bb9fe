import {
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import { JsonRpcError, RPC } from './jsonrpc.js';

/** The stateless revision the gateway serves on the modern path. */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];
/** 2025-era and earlier revisions, from the SDK. */
export const LEGACY_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
export { CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY };

/** The legacy version an `initialize` gets: the requested one when supported, else the newest. */
export function negotiateLegacyVersion(requested: unknown): string {
  return typeof requested === 'string' && LEGACY_VERSIONS.includes(requested)
    ? requested
    : (LEGACY_VERSIONS[0] ?? '2025-11-25');
}

export interface ProtocolHeaders {
  protocolVersion?: string;
  mcpMethod?: string;
  mcpName?: string;
}

/** Which request param the `Mcp-Name` header mirrors, per method. */
function nameSource(method: string, params: Record<string, unknown> | undefined): { field: string; value: unknown } | undefined {
  if (method === 'tools/call' || method === 'prompts/get') return { field: 'name', value: params?.['name'] };
  if (method === 'resources/read') return { field: 'uri', value: params?.['uri'] };
  return undefined;
}

/** `=?base64?…?=` carries non-ASCII names in the `Mcp-Name` header. */
function decodeHeaderValue(value: string): string | undefined {
  const match = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/.exec(value);
  if (!match) return value;
  const decoded = Buffer.from(match[1] ?? '', 'base64');
  if (decoded.toString('base64') !== match[1]) return undefined;
  return decoded.toString('utf8');
}

const mismatch = (message: string, data: unknown) =>
  new JsonRpcError(RPC.HEADER_MISMATCH, `Bad Request: ${message}`, { data, httpStatus: 400, reason: 'header_mismatch' });

/**
 * The standard-header rung of a modern request (after the SDK's classifier): the revision must be
 * one we serve, `MCP-Protocol-Version` and `Mcp-Method` must be present, and `Mcp-Name` must
 * mirror the body's name or uri.
 */
export function checkModernRequest(
  headers: ProtocolHeaders,
  method: string,
  revision: string | undefined,
  params: Record<string, unknown> | undefined,
): void {
  if (revision !== undefined && !MODERN_VERSIONS.includes(revision)) {
    throw new JsonRpcError(RPC.INVALID_PARAMS, `Unsupported protocol version: ${revision.slice(0, 40)}`, {
      data: { supported: [...MODERN_VERSIONS, ...LEGACY_VERSIONS], requested: revision.slice(0, 40) },
      httpStatus: 400,
      reason: 'unsupported_version',
    });
  }
  if (headers.protocolVersion === undefined) {
    throw mismatch('the required MCP-Protocol-Version header is absent', { header: 'MCP-Protocol-Version' });
  }
  if (headers.mcpMethod === undefined) {
    throw mismatch(`the body names method ${method} but the required Mcp-Method header is absent`, { header: 'Mcp-Method' });
  }
  const source = nameSource(method, params);
  // A name that is not a string is the params' problem (-32602 once they are validated), not the header's.
  if (!source || typeof source.value !== 'string') return;
  if (headers.mcpName === undefined) {
    throw mismatch(`the body carries params.${source.field} but the required Mcp-Name header is absent`, { header: 'Mcp-Name' });
  }
  const decoded = decodeHeaderValue(headers.mcpName.trim());
  if (decoded === undefined) throw mismatch('the Mcp-Name header carries an invalid Base64 value', { header: 'Mcp-Name' });
  if (decoded !== source.value) {
    throw mismatch(`the body's params.${source.field} and the Mcp-Name header disagree`, {
      mismatch: { header: decoded.slice(0, 200), body: source.value.slice(0, 200) },
    });
  }
}
