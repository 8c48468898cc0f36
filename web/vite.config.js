import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// `npm run dev` serves the app with hot reload and sends API and sync calls to `turns serve` on :8000.
const api = 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': api, '/v1': api } },
})
