package dev.streamchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schema check itself, without kubectl: it accepts a sound object and names what is wrong with a broken one. */
class KubernetesSchemaTests {

    private static final String DEPLOYMENT = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: session-service
        spec:
          replicas: 2
          selector:
            matchLabels:
              app.kubernetes.io/name: session-service
          template:
            metadata:
              labels:
                app.kubernetes.io/name: session-service
            spec:
              containers:
                - name: session-service
                  image: streamchat/session-service:dev
                  ports:
                    - name: http
                      containerPort: 8080
                  resources:
                    limits:
                      memory: 768Mi
                  readinessProbe:
                    httpGet:
                      path: /actuator/health/readiness
                      port: http
        """;

    @Test
    void acceptsASoundDeployment() {
        assertThat(KubernetesSchema.problems(deployment())).isEmpty();
    }

    @Test
    void rejectsAFieldTheKindDoesNotHave() {
        var deployment = deployment();
        Tree.map(deployment.get("spec")).put("replica", 2);
        assertThat(KubernetesSchema.problems(deployment))
                .singleElement()
                .asString()
                .contains("replica");
    }

    @Test
    void rejectsAMisspelledFieldDeepInThePodTemplate() {
        var deployment = deployment();
        container(deployment).put("imagePullPolicyy", "Always");
        assertThat(KubernetesSchema.problems(deployment))
                .singleElement()
                .asString()
                .contains("imagePullPolicyy");
    }

    @Test
    void rejectsAMissingRequiredField() {
        var deployment = deployment();
        container(deployment).remove("name");
        assertThat(KubernetesSchema.problems(deployment))
                .singleElement()
                .asString()
                .contains("name");

        var withoutSelector = deployment();
        Tree.map(withoutSelector.get("spec")).remove("selector");
        assertThat(KubernetesSchema.problems(withoutSelector))
                .singleElement()
                .asString()
                .contains("selector");
    }

    @Test
    void rejectsValuesOfTheWrongType() {
        var quantity = deployment();
        Tree.map(Tree.at(container(quantity), "resources", "limits")).put("memory", "768MB");
        assertThat(KubernetesSchema.problems(quantity)).hasSize(1);

        var replicas = deployment();
        Tree.map(replicas.get("spec")).put("replicas", "two");
        assertThat(KubernetesSchema.problems(replicas)).hasSize(1);
    }

    @Test
    void rejectsAKindWithoutSchema() {
        var deployment = deployment();
        deployment.put("apiVersion", "apps/v1beta1");
        assertThat(KubernetesSchema.problems(deployment))
                .singleElement()
                .asString()
                .contains("no schema");
    }

    @Test
    void knowsEveryKindTheOverlaysUse() {
        assertThat(KubernetesSchema.kinds())
                .contains(
                        "v1/Namespace",
                        "v1/ConfigMap",
                        "v1/Secret",
                        "v1/Service",
                        "apps/v1/Deployment",
                        "apps/v1/StatefulSet",
                        "autoscaling/v2/HorizontalPodAutoscaler",
                        "policy/v1/PodDisruptionBudget",
                        "networking.k8s.io/v1/Ingress",
                        "networking.k8s.io/v1/NetworkPolicy");
    }

    private static Map<String, Object> deployment() {
        return Tree.map(Repository.yamlDocuments(DEPLOYMENT).getFirst());
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        List<Object> containers = Tree.list(Tree.at(deployment, "spec", "template", "spec", "containers"));
        return Tree.map(containers.getFirst());
    }
}
