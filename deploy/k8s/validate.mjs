// Offline checks of the Kubernetes manifests and docker-compose.yml, for machines
// without a cluster: every file parses, every kustomization entry exists, and each
// Weft Deployment is wired consistently (selector, Service, ports, probes, env).
// With kubectl on PATH the overlays are also rendered with `kubectl kustomize`.
//   node deploy/k8s/validate.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml'; // present through the dev tooling (v1 and v2 APIs both work here)

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const problems = [];
const fail = (where, message) => problems.push(`${path.relative(root, where)}: ${message}`);

function yamlFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return yamlFiles(file);
    return /\.ya?ml$/.test(name) ? [file] : [];
  });
}

function load(file) {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  for (const doc of docs) for (const error of doc.errors) fail(file, error.message);
  return docs.map((d) => (d.toJS ? d.toJS() : d.toJSON())).filter(Boolean);
}

const objects = [];
for (const file of [...yamlFiles(here), path.join(root, 'docker-compose.yml')]) {
  for (const object of load(file)) {
    if (path.basename(file) === 'kustomization.yaml') {
      for (const entry of [
        ...(object.resources ?? []),
        ...(object.patches ?? []).map((p) => p.path).filter(Boolean),
      ]) {
        if (!existsSync(path.resolve(path.dirname(file), entry)))
          fail(file, `lists ${entry}, which does not exist`);
      }
    } else if (object.kind) {
      objects.push({ file, object });
    }
  }
}

const services = objects.filter(({ object }) => object.kind === 'Service');
for (const { file, object: deployment } of objects.filter(({ object }) => object.kind === 'Deployment')) {
  const name = deployment.metadata.name;
  const template = deployment.spec.template;
  for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) {
    if (template.metadata.labels?.[key] !== value)
      fail(file, `${name}: selector ${key}=${value} does not match its pod labels`);
  }
  const container = template.spec.containers[0];
  const portNames = new Set((container.ports ?? []).map((p) => p.name));
  const service = services.find(({ object }) => object.metadata.name === name)?.object;
  if (!service) fail(file, `${name}: no Service of the same name`);
  for (const port of service?.spec.ports ?? []) {
    if (!portNames.has(port.targetPort))
      fail(file, `${name}: Service targetPort ${port.targetPort} is not a named container port`);
  }
  const weftService = container.env?.find((e) => e.name === 'WEFT_SERVICE')?.value;
  if (weftService === undefined) continue; // infrastructure in an overlay
  if (weftService !== name) fail(file, `${name}: WEFT_SERVICE is ${weftService}`);
  const port = container.ports?.find((p) => p.name === 'http')?.containerPort;
  if (String(port) !== container.env.find((e) => e.name === 'PORT')?.value)
    fail(file, `${name}: PORT env differs from the http port`);
  if (template.metadata.annotations?.['prometheus.io/port'] !== String(port))
    fail(file, `${name}: prometheus.io/port is not ${port}`);
  if (container.livenessProbe?.httpGet?.path !== '/health/live')
    fail(file, `${name}: liveness probe is not /health/live`);
  if (container.readinessProbe?.httpGet?.path !== '/health/ready')
    fail(file, `${name}: readiness probe is not /health/ready`);
  if (!container.resources?.requests || !container.resources?.limits)
    fail(file, `${name}: resources need requests and limits`);
}

let rendered = 0;
try {
  execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  for (const dir of [path.join(here, 'base'), path.join(here, 'overlays/local')]) {
    try {
      const out = execFileSync('kubectl', ['kustomize', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      rendered += YAML.parseAllDocuments(out).length;
    } catch (error) {
      fail(dir, `kubectl kustomize failed: ${error.stderr ?? error.message}`);
    }
  }
} catch {
  // kubectl is optional
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  `ok: ${objects.length} manifests checked${rendered ? `, ${rendered} objects rendered by kubectl kustomize` : ''}`,
);
