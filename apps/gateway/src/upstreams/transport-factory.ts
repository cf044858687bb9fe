import { SSEClientTransport, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { UpstreamConfig } from '../gateway-config/schema.js';
import { upstreamFetch } from './upstream-fetch.js';

/** Variables the SDK's stdio transport always adds; the sandbox removes the ones not declared. */
const SDK_DEFAULT_VARIABLES = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];


/**
 * The argv that runs a stdio upstream sandboxed: `env -u` strips the variables the SDK would
 * inherit unless the config declares them (values travel in the environment, never in argv),
 * `node` resolves to this Node binary, and Node programs run under the permission model.
 */
export function sandboxedCommand(config: UpstreamConfig): { command: string; args: string[] } {
  const command = config.command === 'node' ? process.execPath : (config.command ?? '');
  const isNode = config.command === 'node' || command === process.execPath;
  const permission: string[] = [];
  if (isNode && config.nodePermissions) {
    const major = Number(process.versions.node.split('.')[0]);
    permission.push(major >= 22 ? '--permission' : '--experimental-permission');
    for (const path of config.nodePermissions.allowFsRead) permission.push(`--allow-fs-read=${path}`);
  }
  const unset = SDK_DEFAULT_VARIABLES.filter((name) => !(name in config.env)).flatMap((name) => ['-u', name]);
  return { command: '/usr/bin/env', args: [...unset, command, ...permission, ...config.args] };
}

/** Builds the SDK client transport for one upstream. */
export function createUpstreamTransport(config: UpstreamConfig): Transport {
  switch (config.transport) {
    case 'streamable-http':
      return new StreamableHTTPClientTransport(new URL(config.url ?? ''), {
        fetch: upstreamFetch,
        requestInit: { headers: { ...config.headers } },
      });
    case 'sse':
      return new SSEClientTransport(new URL(config.url ?? ''), {
        fetch: upstreamFetch,
        requestInit: { headers: { ...config.headers } },
      });
    case 'stdio': {
      const { command, args } = sandboxedCommand(config);
      return new StdioClientTransport({ command, args, env: { ...config.env }, cwd: config.cwd, stderr: 'pipe' });
    }
  }
}
