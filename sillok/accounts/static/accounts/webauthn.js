// Security keys (WebAuthn) for the sign-in, re-authentication and "add a key" forms.
//
// A form with data-webauthn="authenticate" or "register" names the JSON endpoint that hands
// out the ceremony options (data-options-url) and the hidden field (data-field) that carries
// the browser's answer back. Clicking its [data-webauthn-start] button runs the ceremony and
// submits the form; the server verifies everything. No inline script: the CSP forbids it.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var out = { type: item.type, id: toBytes(item.id) };
      if (item.transports) out.transports = item.transports;
      return out;
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return { publicKey: options };
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (credential.authenticatorAttachment) {
      out.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    return JSON.stringify(out);
  }

  function fetchOptions(form) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(form.dataset.optionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || "refused");
        return body;
      });
    });
  }

  function run(form, status) {
    var register = form.dataset.webauthn === "register";
    return fetchOptions(form).then(function (json) {
      if (register) return navigator.credentials.create(creationOptions(json));
      return navigator.credentials.get(requestOptions(json));
    }).then(function (credential) {
      if (!credential) throw new Error("no credential");
      form.querySelector("[name=" + form.dataset.field + "]").value = credentialJSON(credential);
      status.textContent = "";
      form.submit();
    });
  }

  function setUp(form) {
    var button = form.querySelector("[data-webauthn-start]");
    var status = form.querySelector("[data-webauthn-status]") || document.createElement("p");
    if (!button) return;
    if (!window.PublicKeyCredential || !navigator.credentials) {
      button.disabled = true;
      status.textContent = form.dataset.labelUnsupported || "";
      return;
    }
    button.addEventListener("click", function () {
      // The other fields (password, key name) must be valid before the key is asked.
      var fields = form.querySelectorAll("input[required]");
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].reportValidity()) return;
      }
      button.disabled = true;
      run(form, status).catch(function (error) {
        button.disabled = false;
        status.textContent = (form.dataset.labelFailed || "") + " (" + error.message + ")";
      });
    });
  }

  document.querySelectorAll("form[data-webauthn]").forEach(setUp);
})();
