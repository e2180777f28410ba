// tsc compiles protocol/ and src/ side by side (dist/protocol, dist/src). The contract names `dist/main.js` and
// `dist/cli/ofd.js` as the entry points, so the build writes those two one-line files pointing at the compiled sources.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist/cli', { recursive: true });
writeFileSync('dist/main.js', "import './src/main.js';\n");
writeFileSync('dist/cli/ofd.js', "#!/usr/bin/env node\nimport '../src/cli/ofd.js';\n");
chmodSync('dist/cli/ofd.js', 0o755);
