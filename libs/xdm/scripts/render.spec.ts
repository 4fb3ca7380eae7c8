import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { renderGeneratedFiles } from './render';

describe(renderGeneratedFiles.name, () => {
  it('matches the committed src/generated files (run scripts/generate-types.ts after changing an .avsc file)', () => {
    const files = renderGeneratedFiles();

    expect(files).toHaveLength(2);
    for (const file of files) {
      expect({ file: relative(__dirname, file.path), content: readFileSync(file.path, 'utf8') }).toEqual({
        file: relative(__dirname, file.path),
        content: file.content,
      });
    }
  });
});
