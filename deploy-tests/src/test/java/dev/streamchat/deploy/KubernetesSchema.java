package dev.streamchat.deploy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The Kubernetes API schema of each kind we deploy, from the models of the official Java client (generated from the
 * API's OpenAPI document). {@code validateJsonElement} of a model rejects fields the kind does not have and missing
 * required fields, at every level of the object; reading the object into the model then rejects values of the wrong
 * type (a word where a number belongs, a quantity like {@code 768MB}).
 */
final class KubernetesSchema {

    @FunctionalInterface
    private interface Validator {
        void validate(JsonElement json) throws IOException;
    }

    private record Model(Validator validator, Class<?> type) {}

    private static final Map<String, Model> MODELS = Map.of(
            "v1/Namespace", new Model(V1Namespace::validateJsonElement, V1Namespace.class),
            "v1/ConfigMap", new Model(V1ConfigMap::validateJsonElement, V1ConfigMap.class),
            "v1/Secret", new Model(V1Secret::validateJsonElement, V1Secret.class),
            "v1/Service", new Model(V1Service::validateJsonElement, V1Service.class),
            "apps/v1/Deployment", new Model(V1Deployment::validateJsonElement, V1Deployment.class),
            "apps/v1/StatefulSet", new Model(V1StatefulSet::validateJsonElement, V1StatefulSet.class),
            "autoscaling/v2/HorizontalPodAutoscaler",
                    new Model(V2HorizontalPodAutoscaler::validateJsonElement, V2HorizontalPodAutoscaler.class),
            "policy/v1/PodDisruptionBudget",
                    new Model(V1PodDisruptionBudget::validateJsonElement, V1PodDisruptionBudget.class),
            "networking.k8s.io/v1/Ingress", new Model(V1Ingress::validateJsonElement, V1Ingress.class),
            "networking.k8s.io/v1/NetworkPolicy",
                    new Model(V1NetworkPolicy::validateJsonElement, V1NetworkPolicy.class));

    private KubernetesSchema() {}

    /** The {@code apiVersion/kind} pairs there is a schema for. */
    static Set<String> kinds() {
        return MODELS.keySet();
    }

    /** What is wrong with {@code object} against the schema of its kind; empty when nothing is. */
    static List<String> problems(Map<String, Object> object) {
        String apiVersion = Tree.text(object.get("apiVersion"));
        String kind = Tree.text(object.get("kind"));
        String name = Tree.text(Tree.at(object, "metadata", "name"));
        Model model = MODELS.get(apiVersion + "/" + kind);
        if (model == null) {
            return List.of(kind + " " + name + ": no schema for apiVersion " + apiVersion + " and kind " + kind
                    + " (known: " + MODELS.keySet() + ")");
        }
        var problems = new ArrayList<String>();
        JsonElement json = toJson(object);
        try {
            model.validator().validate(json);
            JSON.getGson().fromJson(json, model.type());
        } catch (IOException | RuntimeException e) {
            problems.add(kind + " " + name + ": " + e.getMessage());
        }
        return problems;
    }

    /** Maps, lists and scalars as SnakeYAML reads them, as Gson's tree. */
    static JsonElement toJson(@Nullable Object node) {
        if (node == null) {
            return JsonNull.INSTANCE;
        }
        if (node instanceof Map<?, ?> map) {
            var object = new JsonObject();
            map.forEach((key, value) -> object.add(String.valueOf(key), toJson(value)));
            return object;
        }
        if (node instanceof List<?> list) {
            var array = new JsonArray();
            list.forEach(value -> array.add(toJson(value)));
            return array;
        }
        if (node instanceof Boolean bool) {
            return new JsonPrimitive(bool);
        }
        if (node instanceof Number number) {
            return new JsonPrimitive(number);
        }
        return new JsonPrimitive(String.valueOf(node));
    }
}
