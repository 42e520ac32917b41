import os
import uuid

DEBUG = False
SECRET_KEY = "«generic-secret|{alnum:50}»"
SESSION_ID_NAMESPACE = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]
API_TOKEN = settings.API_TOKEN
TOKEN_URL = "https://auth.example.org/oauth/token"
password_field = form.cleaned_data["password"]
HUGGINGFACE_TOKEN = "«huggingface-access-token|hf_{alpha:34}»"
STATIC_HASH = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
TWILIO_AUTH_TOKEN = "«twilio-auth-token|{hex:32}»"
CACHE_KEY_PREFIX = "shop-v2"
