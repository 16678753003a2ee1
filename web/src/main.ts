import { createApp } from 'vue';
import App from './App.vue';
import { install as installApollo } from './modules/apollo';
import { install as installPwa } from './modules/pwa';
import { install as installRouter } from './modules/router';
import './styles/main.css';

const app = createApp(App);
for (const install of [installApollo, installRouter, installPwa]) install(app);
app.mount('#app');
