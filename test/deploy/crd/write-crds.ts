// Writes the CRDs of deploy/ from their TypeScript source, as controller-gen does for Contour:
//   npx tsx test/deploy/crd/write-crds.ts && npx prettier --write deploy/crd-*.yaml
// crd.test.ts fails when the files and the source disagree.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { CRD_FILES } from './crds.js';

/** The header of every generated file: where the content comes from. */
export const GENERATED_HEADER =
  '# Generated from test/deploy/crd/*.ts by `npx tsx test/deploy/crd/write-crds.ts`: edit those, not this file.\n';

const deployDir = fileURLToPath(new URL('../../../deploy/', import.meta.url));
for (const { file, crd } of CRD_FILES) {
  const path = `${deployDir}${file}`;
  await writeFile(path, GENERATED_HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false }));
  console.log(`wrote ${path}`);
}
