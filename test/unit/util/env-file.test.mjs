import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile } from '../../../dist/lib/util/env-file.js';

test('single-line values read as before: quotes, escapes, export, comments, raw text after a closing quote', () => {
  const env = parseEnvFile([
    '# comment',
    'export A=plain',
    'B="two words"',
    "C='single $x'",
    'D="tab\\nnext \\"q\\""',
    'E="kept" as written',
    '  G = spaced  ',
    'not a line',
  ].join('\n'));
  assert.deepEqual(env, {
    A: 'plain',
    B: 'two words',
    C: 'single $x',
    D: 'tab\nnext "q"',
    E: '"kept" as written',
    G: 'spaced',
  });
});

test('a quoted value without its closing quote on its line spans lines, spaces and blank lines kept', () => {
  const text = [
    'KEY="-----BEGIN KEY-----',
    '  abc def  ',
    '',
    '# not a comment inside a value',
    '-----END KEY-----"',
    "SINGLE='one",
    'two \\n stays'  + "'   # a comment after it",
    'MIXED="say \\"hi\\"',
    'bye"',
    'AFTER=1',
  ].join('\r\n');
  assert.deepEqual(parseEnvFile(text), {
    KEY: '-----BEGIN KEY-----\n  abc def  \n\n# not a comment inside a value\n-----END KEY-----',
    SINGLE: 'one\ntwo \\n stays',
    MIXED: 'say "hi"\nbye',
    AFTER: '1',
  });
});

test('a quote never closed, or text after a closing quote, is a usage error naming the line', () => {
  assert.throws(() => parseEnvFile('A=1\nB="open\nC=2\n', '/tmp/x.env'), (err) => {
    assert.equal(err.code, 'usage_error');
    assert.match(err.message, /\/tmp\/x\.env: line 2: the quoted value of B is never closed/);
    assert.deepEqual(err.details, { path: '/tmp/x.env', line: 2, key: 'B' });
    return true;
  });
  assert.throws(() => parseEnvFile("A='x\ny' z\n"), (err) => {
    assert.equal(err.code, 'usage_error');
    assert.match(err.message, /line 2: text after the closing quote of A \(opened on line 1\)/);
    return true;
  });
});
