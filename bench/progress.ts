/** Sections report what they did as events; the runner decides where the lines go (stderr, one JSON line each). */
export type Progress = (event: string, fields?: Record<string, unknown>) => void;
