// The API's attachment allow-list (openapi: Attachment.content_type), by extension, with the
// content types it accepts for each; the first is what we declare when the browser knows none.
const ALLOWED: Record<string, string[]> = {
  jpg: ['image/jpeg'], jpeg: ['image/jpeg'], png: ['image/png'], gif: ['image/gif'], webp: ['image/webp'],
  pdf: ['application/pdf'], doc: ['application/msword'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  xls: ['application/vnd.ms-excel'], xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ppt: ['application/vnd.ms-powerpoint'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  txt: ['text/plain'], csv: ['text/csv', 'application/vnd.ms-excel'], rtf: ['application/rtf', 'text/rtf'],
  zip: ['application/zip', 'application/x-zip-compressed'], rar: ['application/vnd.rar', 'application/x-rar-compressed'],
  '7z': ['application/x-7z-compressed'], mp3: ['audio/mpeg'], wav: ['audio/wav', 'audio/x-wav', 'audio/wave'],
  mp4: ['video/mp4'], mov: ['video/quicktime'], avi: ['video/x-msvideo', 'video/avi', 'video/msvideo'],
  webm: ['video/webm', 'audio/webm'], json: ['application/json'], xml: ['application/xml', 'text/xml'],
  psd: ['image/vnd.adobe.photoshop', 'application/x-photoshop'], ai: ['application/postscript', 'application/illustrator'],
  eps: ['application/postscript'], sketch: ['application/zip', 'application/octet-stream'], fig: ['application/octet-stream'],
};

export const ACCEPT = Object.keys(ALLOWED).map((e) => `.${e}`).join(',');
export const DEFAULT_MAX_MB = 25;
export const DEFAULT_MAX_FILES = 10;

/** The business's limits on files, from the thread page (the API's defaults until it answers). */
export interface FileLimits {
  maxMb: number;
  maxFiles: number;
}

/** The content type to declare, or a sentence saying why this file cannot go. */
export function checkFile(file: File, maxMb: number): { type: string } | { problem: string } {
  const dot = file.name.lastIndexOf('.');
  const ext = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : '';
  const types = ALLOWED[ext];
  if (!types) return { problem: `“${file.name}” cannot be sent: images, documents, archives and media files can.` };
  if (file.size === 0) return { problem: `“${file.name}” is empty.` };
  if (file.size > maxMb * 1024 * 1024) return { problem: `“${file.name}” is larger than ${maxMb} MB.` };
  if (/[\\/\u0000-\u001f]/.test(file.name)) return { problem: `“${file.name}” has a name that cannot be used. Please rename it.` };
  return { type: types.includes(file.type) ? file.type : types[0] };
}
