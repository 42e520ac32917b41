// The client for the payments API.
const stripe = require('stripe')(process.env.STRIPE_SECRET_KEY);
const publishable = 'pk_test_TYooMQauvdEDq54NiTphI7jx';
const slack = new WebClient('«slack-bot-token|xoxb-{digit:12}-{digit:13}-{alnum:24}»');
const mapboxPublic = 'pk.eyJ1IjoiZXhhbXBsZSIsImEiOiJjbGV4YW1wbGUifQ.abcdefghijklmnopqrstuv';
const apiKey = config.get('apiKey');
const token = await getToken();
const integrity = 'sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXGOdgyAHCUxHHDgjIBWfyuZQbSA==';
const headers = { Authorization: `Bearer ${token}` };
const npmToken = '«npm-access-token|npm_{alnum:36}»';
const discordHook = '«discord-webhook-url|https://discord.com/api/webhooks/{digit:18}/{b64url:68}»';
export const id = 'b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
