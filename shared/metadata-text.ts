/**
 * Free text in object metadata travels as HTTP header values (R2's S3 API, `x-amz-meta-*`), where newlines,
 * control characters and non-ASCII break requests. It is stored base64-encoded (UTF-8), which is ASCII-safe and
 * grows by a predictable third.
 */
export function encodeMetadataText(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000))
  }
  return btoa(binary)
}

/** Null when the value is not valid base64 of UTF-8 text (the caller then fetches the object itself). */
export function decodeMetadataText(encoded: string): string | null {
  try {
    const binary = atob(encoded)
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return null
  }
}
