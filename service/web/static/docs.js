// The /docs page: Swagger UI (served by this service, no external request) reading the bundled contract.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayOperationId: true,
    displayRequestDuration: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // else the page would ask an online validator about the contract
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
