import pkg from '#package.json' with { type: 'json' };

/** The portal's version, as released (package.json). */
export const version: string = pkg.version;
