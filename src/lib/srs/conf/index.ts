/** srs.conf: lossless parsing, minimal-diff editing and effective settings (file, SRS_* env, defaults). */
export * from './syntax.js'
export * from './editor.js'
export * from './settings.js'
