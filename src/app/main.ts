import { mount } from 'svelte';
import App from './App.svelte';
import './styles.css';
import { registerServiceWorker } from './pwa';

registerServiceWorker();
export default mount(App, { target: document.getElementById('app')! });
