// Validate Prometheus Operator objects against the Operator's CRD schemas, as compiled into the npm
// package @kubernetes-models/prometheus-operator (installed by install-k8s-tools.sh).
//
//   node deploy/tools/validate-crds.mjs .tools/node_modules/@kubernetes-models/prometheus-operator < objects.json
//
// stdin: a JSON array of objects (apiVersion monitoring.coreos.com/v1). stdout: a JSON array with,
// for each object, null when it is valid or the validator's message. Exit 0 (the caller judges).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const models = process.argv[2];
const objects = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const object of objects) {
  const [group, version] = String(object.apiVersion).split("/");
  try {
    const module = await import(pathToFileURL(join(models, group, version, `${object.kind}.js`)).href);
    new module[object.kind](object).validate();
    results.push(null);
  } catch (error) {
    results.push(String(error.message || error));
  }
}
process.stdout.write(JSON.stringify(results));
