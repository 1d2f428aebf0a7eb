/**
 * Files from a drag-and-drop: plain files, or whole folders (walked with the File and Directory Entries
 * API), each with its path relative to what was dropped (class/image.png), as `<input webkitdirectory>`
 * gives them.
 */
import type { FolderFile } from '../../protocol/data-api';

export interface DroppedFiles {
  readonly files: FolderFile[];
  /** Folder paths seen (to report empty class folders). */
  readonly directories: string[];
  /** True when at least one folder was dropped. */
  readonly hadDirectory: boolean;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function readAllEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  // readEntries returns at most ~100 entries per call; call until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

export async function filesFromDrop(dt: DataTransfer): Promise<DroppedFiles> {
  const files: FolderFile[] = [];
  const directories: string[] = [];
  let hadDirectory = false;
  const entries = Array.from(dt.items ?? [])
    .filter((i) => i.kind === 'file')
    .map((i) => (typeof i.webkitGetAsEntry === 'function' ? i.webkitGetAsEntry() : null));
  if (entries.length === 0 || entries.some((e) => e === null)) {
    // No entries API: plain files only.
    for (const f of Array.from(dt.files)) files.push({ path: f.name, file: f });
    return { files, directories, hadDirectory };
  }
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      files.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
    } else if (entry.isDirectory) {
      hadDirectory = true;
      directories.push(path);
      for (const child of await readAllEntries(entry as FileSystemDirectoryEntry)) await walk(child, path);
    }
  };
  for (const e of entries) await walk(e!, '');
  return { files, directories, hadDirectory };
}

/** Files of an `<input type="file" webkitdirectory>` pick, with their relative paths. */
export function filesFromDirectoryInput(list: FileList): FolderFile[] {
  return Array.from(list, (f) => ({ path: f.webkitRelativePath || f.name, file: f }));
}
