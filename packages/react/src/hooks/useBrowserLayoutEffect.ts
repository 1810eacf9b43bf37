'use client';
import { useEffect, useLayoutEffect } from 'react';

// Layout effects warn during server rendering in React 18; what they do (DOM properties, scrolling) only matters in
// the browser anyway.
/** `useLayoutEffect` in the browser, `useEffect` on the server. */
export const useBrowserLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;
