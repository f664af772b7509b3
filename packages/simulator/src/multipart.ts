/** One part of a multipart/form-data body. */
export interface FormPart {
  readonly name: string;
  readonly filename?: string;
  readonly contentType?: string;
  readonly data: Buffer;
}

/** Fields keep every repeated value in order (Mailgun's `to`, `o:tag`, … are repeated fields). */
export interface FormData {
  readonly fields: ReadonlyMap<string, readonly string[]>;
  readonly files: readonly FormPart[];
}

function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function param(header: string, name: string): string | undefined {
  const m = new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"|${name}=([^;\\s]+)`, 'i').exec(header);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Parses multipart/form-data (RFC 7578); returns undefined when the body is not well-formed. */
export function parseMultipart(body: Buffer, contentType: string): FormData | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const fields = new Map<string, string[]>();
  const files: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos === -1) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    pos += 2; // CRLF after the delimiter
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) return undefined;
    const headerText = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next === -1) return undefined;
    const data = body.subarray(headerEnd + 4, next - 2); // drop the CRLF before the delimiter
    let disposition = '';
    let partType: string | undefined;
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') disposition = value;
      else if (key === 'content-type') partType = value;
    }
    const name = param(disposition, 'name') ?? '';
    const filename = param(disposition, 'filename');
    if (filename !== undefined) {
      files.push({ name, filename, ...(partType ? { contentType: partType } : {}), data });
    } else {
      const list = fields.get(name) ?? [];
      list.push(data.toString('utf8'));
      fields.set(name, list);
    }
    pos = next;
  }
  return { fields, files };
}
