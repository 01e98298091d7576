/** The StudyPort over the study module (src/study) and the run's database. */
import type { ExplorerData } from './explorer-data.js';
import type { StudyPort } from './study-port.js';
import type { FeatureNamer } from './views.js';

/** Opens the run's study, or null when the run has none. */
export async function openStudyPort(_data: ExplorerData): Promise<StudyPort | null> {
  return null;
}

export function studyNamer(_study: StudyPort, _data: ExplorerData): FeatureNamer {
  return () => null;
}
