// Svelte 5 understands TypeScript in <script lang="ts"> without a preprocessor.
export default {};
