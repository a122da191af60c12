// Starts the Swagger UI of /docs on the app's own OpenAPI document (no inline script: the page's CSP forbids it).
const root = document.getElementById("swagger-ui");
window.ui = window.SwaggerUIBundle({
  url: root.dataset.specUrl,
  domNode: root,
  deepLinking: true,
  persistAuthorization: false,
  validatorUrl: null, // no badge fetched from validator.swagger.io: the page stays on this server
});
