import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KustomizeError, renderKustomization } from './support/kustomize.js';
import { strategicMerge } from './support/strategic-merge.js';

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: mcpgw/web:latest
          env:
            - { name: A, value: "1" }
            - name: S
              valueFrom: { secretKeyRef: { name: creds, key: S } }
          envFrom:
            - configMapRef: { name: web-env }
          resources: { limits: { cpu: "1", memory: 1Gi } }
        - name: sidecar
          image: busybox:1.36
      volumes:
        - name: cfg
          configMap: { name: web-config }
`;

describe('strategicMerge', () => {
  it('merges containers and env by name, replaces lists without a merge key, deletes on null', () => {
    const merged = strategicMerge(
      {
        containers: [{ name: 'a', image: 'x', args: ['1', '2'], env: [{ name: 'A', value: '1' }] }],
        keep: 1,
        drop: 2,
      },
      {
        containers: [
          { name: 'a', args: ['3'], env: [{ name: 'B', value: '2' }] },
          { name: 'b', image: 'y' },
        ],
        drop: null,
      },
    );
    expect(merged).toEqual({
      containers: [
        {
          name: 'a',
          image: 'x',
          args: ['3'],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
        { name: 'b', image: 'y' },
      ],
      keep: 1,
    });
  });

  it('removes a list element marked $patch: delete', () => {
    expect(
      strategicMerge(
        { volumes: [{ name: 'a' }, { name: 'b' }] },
        { volumes: [{ name: 'a', $patch: 'delete' }] },
      ),
    ).toEqual({
      volumes: [{ name: 'b' }],
    });
  });
});

describe('renderKustomization', () => {
  it('applies resources, patches, images, replicas, namespace and hashed generator names', () => {
    const dir = tree({
      'base/kustomization.yaml':
        'resources: [web.yaml]\nconfigMapGenerator:\n  - name: web-config\n    literals: [X=1]\n',
      'base/web.yaml':
        deployment +
        '---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-env }\ndata: { LOG_LEVEL: info }\n',
      'overlay/kustomization.yaml': [
        'namespace: team',
        'resources: [ns.yaml, ../base]',
        'patches: [{ path: patch.yaml }]',
        'images: [{ name: mcpgw/web, newName: registry.example.com/mcpgw/web, newTag: "1.2.3" }]',
        'replicas: [{ name: web, count: 1 }]',
        'secretGenerator: [{ name: creds, envs: [secrets.env] }]',
      ].join('\n'),
      'overlay/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: team }\n',
      'overlay/patch.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources: { limits: { memory: 2Gi } }\n' +
        '---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-env }\ndata: { LOG_LEVEL: debug }\n',
    });
    const objects = renderKustomization(join(dir, 'overlay'), {
      readMissingEnvFile: () => 'S=secret\n',
    });
    const web = objects.find((o) => o.kind === 'Deployment');
    const spec = web?.['spec'] as {
      replicas: number;
      template: { spec: Record<string, Array<Record<string, unknown>>> };
    };
    expect(web?.metadata.namespace).toBe('team');
    expect(spec.replicas).toBe(1);
    const [main, sidecar] = spec.template.spec['containers'] ?? [];
    expect(main?.['image']).toBe('registry.example.com/mcpgw/web:1.2.3');
    expect(sidecar?.['image']).toBe('busybox:1.36');
    expect(main?.['resources']).toEqual({ limits: { cpu: '1', memory: '2Gi' } });
    const secret = objects.find((o) => o.kind === 'Secret');
    expect(secret?.metadata.name).toMatch(/^creds-[0-9a-f]{10}$/);
    expect(JSON.stringify(main?.['env'])).toContain(secret?.metadata.name);
    const config = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('web-config-'),
    );
    expect(JSON.stringify(spec.template.spec['volumes'])).toContain(config?.metadata.name);
    expect(objects.find((o) => o.metadata.name === 'web-env')?.['data']).toEqual({
      LOG_LEVEL: 'debug',
    });
    expect(objects.find((o) => o.kind === 'Namespace')?.metadata.namespace).toBeUndefined();
    expect(
      Buffer.from(String((secret?.['data'] as Record<string, string>)['S']), 'base64').toString(),
    ).toBe('secret');
  });

  it('refuses kustomization fields it does not implement', () => {
    const dir = tree({ 'kustomization.yaml': 'resources: []\ncommonLabels: { a: b }\n' });
    expect(() => renderKustomization(dir)).toThrow(KustomizeError);
    expect(() => renderKustomization(dir)).toThrow(/commonLabels/);
  });

  it('refuses a patch whose target does not exist', () => {
    const dir = tree({
      'kustomization.yaml': 'resources: [web.yaml]\npatches: [{ path: p.yaml }]\n',
      'web.yaml': deployment,
      'p.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec: { replicas: 1 }\n',
    });
    expect(() => renderKustomization(dir)).toThrow(/no Deployment api to patch/);
  });

  it('refuses a missing env file unless the caller supplies it', () => {
    const dir = tree({
      'kustomization.yaml': 'secretGenerator: [{ name: s, envs: [secrets.env] }]\n',
    });
    expect(() => renderKustomization(dir)).toThrow(/secrets.env does not exist/);
  });
});
